"""book_session: one transaction with safety, flags, reminders and an e-mail after commit."""

import datetime as dt

import pytest
from django.db import IntegrityError

from booking.models import Booking, Reminder, Slot
from booking.services import book_session
from booking.services import bookings as booking_services
from booking.services.errors import (
    OverlappingBooking,
    ProfileIncomplete,
    SafetyBlocked,
    SlotUnavailable,
)
from safety.models import SafetyFlag
from tests.booking.conftest import local_today, make_ready_client, slot_at
from tests.factories import BookingFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_booking_copies_the_slot_times_and_writes_flags_and_reminders(
    ready_client, open_slot, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_session(client=ready_client, slot=open_slot)

    assert booking.status == Booking.Status.BOOKED
    assert (booking.starts_at, booking.ends_at) == (open_slot.starts_at, open_slot.ends_at)
    assert SafetyFlag.objects.filter(booking=booking, code="side_lying_position").exists()
    assert Reminder.objects.reminders().filter(booking=booking).count() == 2
    assert Reminder.objects.notices().get(booking=booking).status == Reminder.Status.SENT
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [ready_client.email]
    assert "is booked" in message.subject
    assert message.alternatives[0][1] == "text/html"
    filename, content, mimetype = message.attachments[0]
    # A request her calendar acts on: it adds the event, and later updates it.
    assert (filename, mimetype) == ("bolster-sessions.ics", "text/calendar; method=REQUEST")
    assert "BEGIN:VEVENT" in (content if isinstance(content, str) else content.decode())


def test_confirmation_email_shows_the_clinic_local_time(
    therapist, django_capture_on_commit_callbacks, mailoutbox
):
    client = make_ready_client()
    therapist.clinic.time_zone = "America/New_York"
    therapist.clinic.save()
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=4), dt.time(15))
    with django_capture_on_commit_callbacks(execute=True):
        book_session(client=client, slot=slot)
    assert "15:00" in mailoutbox[0].body
    assert "New York time" in mailoutbox[0].body


def test_second_booking_of_same_slot_is_refused(ready_client, open_slot):
    book_session(client=ready_client, slot=open_slot)
    with pytest.raises(SlotUnavailable, match="That time was just taken."):
        book_session(client=make_ready_client(), slot=open_slot)
    assert Booking.objects.count() == 1


def test_client_without_profile_is_sent_to_fill_it_in(open_slot):
    with pytest.raises(ProfileIncomplete):
        book_session(client=UserFactory(), slot=open_slot)
    assert not Booking.objects.exists()


def test_block_rule_refuses_with_reason_and_leaves_no_rows(open_slot, mailoutbox):
    client = make_ready_client(conditions=["suspected_dvt"])
    with pytest.raises(SafetyBlocked) as refused:
        book_session(client=client, slot=open_slot)
    assert "can't book this session online" in str(refused.value)
    assert open_slot.therapist.clinic.phone in str(refused.value)
    assert refused.value.findings[0].code == "suspected_dvt"
    assert not Booking.objects.exists()
    assert not SafetyFlag.objects.exists()
    assert not Reminder.objects.exists()
    assert mailoutbox == []


def test_client_cannot_hold_two_overlapping_sessions(ready_client, therapist, open_slot):
    from tests.factories import TherapistFactory

    other = TherapistFactory(clinic=therapist.clinic)
    overlapping = Slot.objects.create(
        therapist=other,
        starts_at=open_slot.starts_at + dt.timedelta(minutes=30),
        ends_at=open_slot.ends_at + dt.timedelta(minutes=30),
    )
    book_session(client=ready_client, slot=open_slot)
    with pytest.raises(OverlappingBooking):
        book_session(client=ready_client, slot=overlapping)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": Slot.Status.BLOCKED}, "not open"),
        ({"starts_at_offset": dt.timedelta(days=-10)}, "already passed"),
        ({"starts_at_offset": dt.timedelta(weeks=20)}, "not open for booking yet"),
    ],
)
def test_blocked_past_or_too_distant_slots_cannot_be_booked(
    ready_client, open_slot, change, message
):
    offset = change.pop("starts_at_offset", None)
    if offset is not None:
        open_slot.starts_at += offset
        open_slot.ends_at += offset
    for field, value in change.items():
        setattr(open_slot, field, value)
    open_slot.save()
    with pytest.raises(SlotUnavailable, match=message):
        book_session(client=ready_client, slot=open_slot)


def test_constraint_violation_from_a_racer_becomes_slot_unavailable(
    ready_client, open_slot, monkeypatch
):
    # Simulate the racer who commits between our check and our insert: the check passes,
    # the partial unique constraint refuses the insert.
    BookingFactory(slot=open_slot)
    monkeypatch.setattr(booking_services, "check_slot_bookable", lambda slot, **kwargs: None)
    with pytest.raises(SlotUnavailable, match="That time was just taken."):
        book_session(client=ready_client, slot=open_slot)
    assert Booking.objects.filter(client=ready_client).count() == 0


def test_client_overlap_constraint_becomes_a_friendly_error(
    ready_client, therapist, open_slot, monkeypatch
):
    from tests.factories import TherapistFactory

    BookingFactory(client=ready_client, slot=open_slot)
    other_slot = Slot.objects.create(
        therapist=TherapistFactory(clinic=therapist.clinic),
        starts_at=open_slot.starts_at,
        ends_at=open_slot.ends_at,
    )
    # Past both of Python's checks, the database's constraint has the last word.
    monkeypatch.setattr(booking_services, "check_no_overlap", lambda **kwargs: None)
    monkeypatch.setattr(booking_services, "check_one_session_a_day", lambda **kwargs: None)
    with pytest.raises(OverlappingBooking):
        book_session(client=ready_client, slot=other_slot)


def test_partial_unique_constraint_allows_rebooking_a_cancelled_slot(open_slot):
    BookingFactory(slot=open_slot, status=Booking.Status.CANCELLED)
    BookingFactory(slot=open_slot)
    with pytest.raises(IntegrityError):
        BookingFactory(slot=open_slot)
