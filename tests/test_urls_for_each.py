"""``url_for_each`` and ``url_with`` build the same URL as ``reverse``."""

from django.urls import reverse, set_script_prefix

from common.urls import url_for_each, url_with


def test_it_gives_what_reverse_gives_for_ids_and_slugs():
    session = url_for_each("booking:booking")
    profile = url_for_each("booking:therapist", key="therapist_slug", slug="camden-987654321")

    assert session(42) == reverse("booking:booking", kwargs={"pk": 42})
    assert profile("ana-lind") == reverse(
        "booking:therapist", kwargs={"slug": "camden-987654321", "therapist_slug": "ana-lind"}
    )


def test_url_with_gives_what_reverse_gives():
    assert url_with("booking:booking", pk=42) == reverse("booking:booking", kwargs={"pk": 42})
    assert url_with("booking:clinic", slug="camden") == reverse(
        "booking:clinic", kwargs={"slug": "camden"}
    )
    assert url_with("booking:reminder_preferences") == reverse("booking:reminder_preferences")


def test_url_with_follows_the_script_prefix():
    set_script_prefix("/bolster/")
    try:
        assert url_with("booking:booking", pk=42) == "/bolster/book/mine/42/"
    finally:
        set_script_prefix("/")
    assert url_with("booking:booking", pk=42) == "/book/mine/42/"
