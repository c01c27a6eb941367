"""``url_for_each`` builds the same URL as ``reverse`` for every row."""

from django.urls import reverse, set_script_prefix

from common.urls import reverse_once, url_for_each


def test_it_gives_what_reverse_gives_for_ids_and_slugs():
    session = url_for_each("booking:booking")
    profile = url_for_each("booking:therapist", key="therapist_slug", slug="camden-987654321")

    assert session(42) == reverse("booking:booking", kwargs={"pk": 42})
    assert profile("ana-lind") == reverse(
        "booking:therapist", kwargs={"slug": "camden-987654321", "therapist_slug": "ana-lind"}
    )


def test_reverse_once_answers_as_reverse_does_under_each_url_prefix():
    assert reverse_once("booking:clinic", slug="camden") == "/book/clinic/camden/"
    set_script_prefix("/bolster/")
    try:
        assert reverse_once("booking:clinic", slug="camden") == "/bolster/book/clinic/camden/"
    finally:
        set_script_prefix("/")
    assert reverse_once("booking:clinic", slug="camden") == "/book/clinic/camden/"
