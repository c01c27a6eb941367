"""Signed links in her reminders: one session, no login, no health data, the notice rules."""

import datetime as dt

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking
from booking.services import book_session
from booking.services.session_links import session_from_token, session_link_token
from tests.booking.conftest import (
    booked_a_while_ago,
    local_today,
    make_ready_client,
    slot_at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(therapist):
    mother = make_ready_client(conditions=["hypertension", "sciatica"], first_name="Maya")
    booking = book_session(
        client=mother, slot=slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    )
    booked_a_while_ago(booking)
    return booking


def link_url(booking) -> str:
    return reverse("booking:session_link", kwargs={"token": session_link_token(booking)})


def test_the_link_opens_her_session_without_login_and_no_health_data(client, booking):
    response = client.get(link_url(booking))

    page = response.content.decode()
    assert response.status_code == 200
    assert booking.slot.therapist.display_name in page
    assert "Cancel this session" in page and "Move this session" in page
    for private in ("High blood pressure", "Sciatica", "clearance", booking.client.email):
        assert private not in page


def test_she_cancels_from_the_link(client, booking):
    response = client.post(link_url(booking), {"action": "cancel"})

    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_by == Booking.CancelledBy.CLIENT
    # The link dies with the session.
    assert client.get(link_url(booking)).status_code == 404


def test_she_moves_from_the_link_to_a_time_it_offers(client, booking, therapist):
    new_slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=8))
    url = link_url(booking)

    offered = client.get(
        url,
        {"move": "1", "day": new_slot.starts_at.astimezone(therapist.clinic.tz).date().isoformat()},
    )
    assert f'name="slot" value="{new_slot.pk}"' in offered.content.decode()
    response = client.post(url, {"action": "move", "slot": new_slot.pk})

    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.MOVED
    assert booking.moved_to.slot == new_slot
    assert client.get(url).status_code == 404  # the old session's link is gone


def test_a_tampered_or_foreign_salted_token_finds_nothing(client, booking):
    token = session_link_token(booking)
    forged = signing.TimestampSigner(salt="another-purpose").sign_object(
        {"b": booking.pk, "u": 2_000_000_000}
    )
    for bad in (token[:-2] + "xx", forged, "nothing", signing.dumps({"b": booking.pk})):
        assert session_from_token(bad) is None
        assert client.get(reverse("booking:session_link", kwargs={"token": bad})).status_code == 404


def test_a_link_never_reaches_another_session(client, booking, therapist):
    other = book_session(
        client=make_ready_client(),
        slot=slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=6)),
    )
    link = session_from_token(session_link_token(booking))
    assert link.booking.pk == booking.pk != other.pk


def test_inside_the_notice_period_the_link_says_call_and_changes_nothing(client, therapist):
    mother = make_ready_client()
    starts_at = timezone.now() + dt.timedelta(hours=5)
    booking = book_session(
        client=mother,
        slot=slot_at(
            therapist,
            starts_at.astimezone(therapist.clinic.tz).date(),
            starts_at.astimezone(therapist.clinic.tz).time().replace(second=0, microsecond=0),
        ),
    )
    booked_a_while_ago(booking)

    page = client.get(link_url(booking)).content.decode()
    response = client.post(link_url(booking), {"action": "cancel"})

    assert "Online changes to this session have closed" in page
    assert "Cancel this session" not in page
    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_within_the_grace_just_after_booking_the_link_still_works(client, therapist):
    starts_at = timezone.now() + dt.timedelta(hours=5)
    local = starts_at.astimezone(therapist.clinic.tz)
    booking = book_session(
        client=make_ready_client(),
        slot=slot_at(therapist, local.date(), local.time().replace(second=0, microsecond=0)),
    )

    response = client.post(link_url(booking), {"action": "cancel"})

    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_the_link_expires_when_online_changes_close(client, booking, frozen_clock):
    url = link_url(booking)
    frozen_clock(booking.starts_at - dt.timedelta(hours=1))

    page = client.get(url).content.decode()

    assert "Online changes to this session have closed" in page


def test_a_blocked_move_does_not_say_why_without_login(client, booking, therapist):
    booking.client.intake_responses.update(conditions=["suspected_dvt"])
    new_slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=8))

    response = client.post(link_url(booking), {"action": "move", "slot": new_slot.pk})

    assert response.status_code == 409
    page = response.content.decode()
    assert "log in to see why" in page
    assert "clot" not in page.lower()
