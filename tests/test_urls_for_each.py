"""``url_for_each`` builds the same URL as ``reverse`` for every row."""

from django.urls import reverse

from common.urls import url_for_each


def test_it_gives_what_reverse_gives_for_ids_and_slugs():
    session = url_for_each("booking:booking")
    profile = url_for_each("booking:therapist", key="therapist_slug", slug="camden-987654321")

    assert session(42) == reverse("booking:booking", kwargs={"pk": 42})
    assert profile("ana-lind") == reverse(
        "booking:therapist", kwargs={"slug": "camden-987654321", "therapist_slug": "ana-lind"}
    )
