"""Pages travel compressed to a phone that accepts it, and plain to one that does not."""

import gzip

import pytest
from django.urls import reverse

from tests.booking.conftest import make_ready_client

pytestmark = pytest.mark.django_db


def test_a_page_is_gzipped_when_the_phone_accepts_it(client, clinic):
    client.force_login(make_ready_client())
    url = reverse("booking:clinic", kwargs={"slug": clinic.slug})

    plain = client.get(url)
    packed = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})

    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    page = gzip.decompress(packed.content).decode()
    assert clinic.name in page
    assert len(packed.content) < len(plain.content) / 2
    # Compression keeps the privacy headers of a logged-in page.
    assert "no-store" in packed.headers["Cache-Control"]
