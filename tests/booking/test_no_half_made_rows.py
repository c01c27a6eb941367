"""A plan or a move that fails part-way leaves no plan, booking, flag or reminder behind."""

import datetime as dt

import pytest

from booking.models import Booking, Plan, Reminder
from booking.services import book_plan, book_session, move_booking, preview_plan
from booking.services.errors import BookingError, PlanChanged
from safety.models import SafetyFlag
from tests.booking.conftest import make_ready_client, next_weekday, slot_at

pytestmark = pytest.mark.django_db

MONDAY, THURSDAY = 0, 3


def plan_of_three(therapist, start):
    """Monday, Thursday and the next Monday, at 10:00."""
    return {
        "therapist": therapist,
        "weekdays": [MONDAY, THURSDAY],
        "local_time": dt.time(10),
        "starts_on": start,
        "ends_on": start + dt.timedelta(days=7),
    }


def assert_nothing_left_of(client):
    assert not Plan.objects.filter(client=client).exists()
    assert not Booking.objects.filter(client=client).exists()
    assert not SafetyFlag.objects.filter(booking__client=client).exists()
    assert not Reminder.objects.filter(booking__client=client).exists()


def test_a_safety_block_on_the_third_date_leaves_nothing_of_the_plan(
    therapist, django_capture_on_commit_callbacks, mailoutbox
):
    start = next_weekday(therapist.clinic, MONDAY)
    third = start + dt.timedelta(days=7)
    # 28w0d on the third date: the first two dates are still in the second trimester.
    client = make_ready_client(due_date=third + dt.timedelta(days=84))
    slots = [slot_at(therapist, day) for day in (start, start + dt.timedelta(days=3), third)]
    accepted = [
        p.slot.pk for p in preview_plan(client=client, **plan_of_three(therapist, start)).dates
    ]
    # The clinic makes the third trimester a block between her preview and her confirming.
    therapist.clinic.raised_severities = {"third_trimester": "block"}
    therapist.clinic.save()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PlanChanged) as changed:
        book_plan(client=client, accepted_slot_ids=accepted, **plan_of_three(therapist, start))

    assert [slot.pk for slot, _ in changed.value.failed] == [slots[2].pk]
    assert_nothing_left_of(client)
    assert mailoutbox == []
    assert not Booking.objects.filter(slot__in=slots).exists()


def test_a_date_taken_between_preview_and_confirm_leaves_no_flags_or_reminders(
    therapist, django_capture_on_commit_callbacks, mailoutbox
):
    start = next_weekday(therapist.clinic, MONDAY)
    # In the third trimester throughout, so each booked date would have carried a flag.
    client = make_ready_client(due_date=start + dt.timedelta(weeks=8))
    slots = [slot_at(therapist, start + dt.timedelta(days=n)) for n in (0, 3, 7)]
    accepted = [
        p.slot.pk for p in preview_plan(client=client, **plan_of_three(therapist, start)).dates
    ]
    book_session(client=make_ready_client(), slot=slots[2])
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PlanChanged):
        book_plan(client=client, accepted_slot_ids=accepted, **plan_of_three(therapist, start))

    assert_nothing_left_of(client)
    assert mailoutbox == []


def test_a_move_refused_by_a_safety_block_keeps_her_session_and_its_reminders(therapist):
    start = next_weekday(therapist.clinic, MONDAY)
    later = start + dt.timedelta(days=7)
    client = make_ready_client(due_date=later + dt.timedelta(days=84))
    booking = book_session(client=client, slot=slot_at(therapist, start))
    reminders = set(booking.reminders.values_list("pk", "status"))
    flags = set(booking.safety_flags.values_list("pk", flat=True))
    therapist.clinic.raised_severities = {"third_trimester": "block"}
    therapist.clinic.save()

    with pytest.raises(BookingError):
        move_booking(booking=booking, new_slot=slot_at(therapist, later))

    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert Booking.objects.filter(client=client).count() == 1
    assert set(booking.reminders.values_list("pk", "status")) == reminders
    assert set(booking.safety_flags.values_list("pk", flat=True)) == flags
