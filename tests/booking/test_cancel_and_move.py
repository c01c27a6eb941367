"""Cancelling inside and outside the notice period; moving in one step."""

import datetime as dt

import pytest
from django.utils import timezone

from booking.models import Booking, Reminder, Slot
from booking.services import book_session, cancel_booking, move_booking
from booking.services.errors import CancellationTooLate, SlotUnavailable
from tests.booking.conftest import booked_a_while_ago, local_today, make_ready_client, slot_at
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(ready_client, open_slot):
    return book_session(client=ready_client, slot=open_slot)


def soon_slot(therapist, hours: int) -> Slot:
    starts_at = (timezone.now() + dt.timedelta(hours=hours)).replace(microsecond=0)
    return Slot.objects.create(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )


def test_cancel_outside_notice_frees_the_slot_cancels_reminders_and_emails_her(
    booking, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=booking, by=Booking.CancelledBy.CLIENT)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_by == Booking.CancelledBy.CLIENT
    assert not Reminder.objects.filter(booking=booking, status=Reminder.Status.PENDING).exists()
    assert Slot.objects.free().filter(pk=booking.slot_id).exists()
    assert "cancelled" in mailoutbox[0].subject
    assert "As you asked" in mailoutbox[0].body


def test_cancel_inside_notice_tells_her_to_call_the_clinic(therapist, ready_client):
    booking = book_session(client=ready_client, slot=soon_slot(therapist, hours=5))
    booked_a_while_ago(booking)
    with pytest.raises(CancellationTooLate) as too_late:
        cancel_booking(booking=booking, by=Booking.CancelledBy.CLIENT)
    assert therapist.clinic.phone in str(too_late.value)
    booking.refresh_from_db()
    assert booking.is_active


def test_clinic_can_cancel_inside_notice_and_she_gets_a_rebook_link(
    therapist, ready_client, django_capture_on_commit_callbacks, mailoutbox
):
    booking = book_session(client=ready_client, slot=soon_slot(therapist, hours=5))
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(
            booking=booking,
            by=Booking.CancelledBy.CLINIC,
            reason="Therapist unwell",
            enforce_notice=False,
        )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    message = mailoutbox[-1]
    assert "had to cancel" in message.subject
    assert f"/book/clinic/{therapist.clinic.slug}/" in message.body
    assert "Therapist unwell" in message.alternatives[0][0]


def test_move_books_the_new_time_and_frees_the_old(
    booking, therapist, django_capture_on_commit_callbacks, mailoutbox
):
    new_slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=9))
    with django_capture_on_commit_callbacks(execute=True):
        new = move_booking(booking=booking, new_slot=new_slot)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.MOVED
    assert booking.moved_to == new
    assert new.slot == new_slot and new.is_active
    assert Slot.objects.free().filter(pk=booking.slot_id).exists()
    assert Reminder.objects.filter(booking=new, status=Reminder.Status.PENDING).count() == 2
    assert not Reminder.objects.filter(booking=booking, status=Reminder.Status.PENDING).exists()
    assert "moved" in mailoutbox[-1].subject


def test_move_to_an_overlapping_time_of_her_own_works(booking, therapist):
    later = Slot.objects.create(
        therapist=therapist,
        starts_at=booking.starts_at + dt.timedelta(minutes=90),
        ends_at=booking.ends_at + dt.timedelta(minutes=90),
    )
    # Shift it to overlap her current session by half an hour (another therapist's room).
    from tests.factories import TherapistFactory

    other = TherapistFactory(clinic=therapist.clinic)
    overlapping = Slot.objects.create(
        therapist=other,
        starts_at=booking.starts_at + dt.timedelta(minutes=30),
        ends_at=booking.ends_at + dt.timedelta(minutes=30),
    )
    new = move_booking(booking=booking, new_slot=overlapping)
    assert new.is_active
    assert later.pk != new.slot_id


def test_move_keeps_the_old_slot_if_the_new_one_is_taken(booking, therapist):
    taken = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=9))
    BookingFactory(slot=taken)

    with pytest.raises(SlotUnavailable):
        move_booking(booking=booking, new_slot=taken)

    booking.refresh_from_db()
    assert booking.is_active
    assert booking.moved_to is None
    assert Reminder.objects.filter(booking=booking, status=Reminder.Status.PENDING).count() == 2


def test_move_keeps_the_old_slot_when_the_insert_loses_a_race(booking, therapist, monkeypatch):
    from booking.services import bookings as booking_services

    taken = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=9))
    BookingFactory(slot=taken)
    monkeypatch.setattr(booking_services, "check_slot_bookable", lambda slot, **kwargs: None)

    with pytest.raises(SlotUnavailable):
        move_booking(booking=booking, new_slot=taken)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_move_inside_notice_is_refused(therapist):
    client = make_ready_client()
    booking = book_session(client=client, slot=soon_slot(therapist, hours=3))
    booked_a_while_ago(booking)
    new_slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=9))
    with pytest.raises(CancellationTooLate):
        move_booking(booking=booking, new_slot=new_slot)
    assert Slot.objects.free().filter(pk=new_slot.pk).exists()
