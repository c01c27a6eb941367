"""Reminder rows follow the bookings: written on booking, cancelled on cancel, replaced on move."""

import datetime as dt

import pytest
from django.utils import timezone

from booking.models import Booking, Plan, Reminder
from booking.services import book_session, cancel_booking, move_booking, schedule_reminders
from booking.services.reminders import (
    PLAN_END,
    cancel_reminders,
    is_same_day,
    set_same_day_reminders,
)
from tests.factories import (
    BookingFactory,
    IntakeResponseFactory,
    PregnancyProfileFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def in_hours(hours: float) -> dt.datetime:
    return (timezone.now() + dt.timedelta(hours=hours)).replace(microsecond=0)


def ready_client(*, due_in=dt.timedelta(weeks=16), **fields):
    client = UserFactory(**fields)
    PregnancyProfileFactory(client=client, due_date=timezone.localdate() + due_in)
    IntakeResponseFactory(client=client)
    return client


def slot_at(therapist, starts_at):
    return SlotFactory(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )


def kinds(booking) -> dict[str, str]:
    return dict(booking.reminders.reminders().values_list("kind", "status"))


def test_booking_a_session_writes_its_24h_and_2h_reminders(therapist):
    slot = slot_at(therapist, in_hours(72))

    booking = book_session(client=ready_client(), slot=slot)

    reminders = {r.kind: r for r in booking.reminders.reminders()}
    assert set(reminders) == {"24h", "2h"}
    assert reminders["24h"].send_at == slot.starts_at - dt.timedelta(hours=24)
    assert reminders["2h"].send_at == slot.starts_at - dt.timedelta(hours=2)
    assert {r.status for r in reminders.values()} == {Reminder.Status.PENDING}


def test_reminder_times_follow_the_clinics_setting(therapist):
    therapist.clinic.reminder_hours = [48, 3]
    therapist.clinic.save()

    booking = book_session(client=ready_client(), slot=slot_at(therapist, in_hours(72)))

    assert set(kinds(booking)) == {"48h", "3h"}


def test_reminder_times_already_past_at_booking_are_not_written(therapist):
    booking = book_session(client=ready_client(), slot=slot_at(therapist, in_hours(10)))

    assert kinds(booking) == {"2h": Reminder.Status.PENDING}


def test_same_day_reminder_is_left_out_when_she_turned_it_off(therapist):
    client = ready_client(same_day_reminders=False)

    booking = book_session(client=client, slot=slot_at(therapist, in_hours(72)))

    assert set(kinds(booking)) == {"24h"}


def test_same_day_cut_is_six_hours():
    assert is_same_day("2h") and is_same_day("6h")
    assert not is_same_day("7h") and not is_same_day("24h") and not is_same_day(PLAN_END)


def test_scheduling_twice_changes_nothing(therapist):
    booking = book_session(client=ready_client(), slot=slot_at(therapist, in_hours(72)))
    before = list(booking.reminders.reminders().values_list("pk", "kind", "send_at", "status"))

    schedule_reminders(booking=booking)

    assert (
        list(booking.reminders.reminders().values_list("pk", "kind", "send_at", "status")) == before
    )


def test_a_booking_that_rolls_back_leaves_no_reminders(therapist):
    client = ready_client()
    slot = slot_at(therapist, in_hours(72))
    book_session(client=client, slot=slot)

    with pytest.raises(Exception, match="taken"):
        book_session(client=ready_client(), slot=slot)

    assert Reminder.objects.reminders().count() == 2


def test_cancelling_a_booking_cancels_its_pending_reminders(therapist):
    booking = book_session(client=ready_client(), slot=slot_at(therapist, in_hours(72)))

    cancel_booking(booking=booking, by=Booking.CancelledBy.CLIENT)

    assert kinds(booking) == {"24h": "cancelled", "2h": "cancelled"}


def test_cancelling_leaves_an_already_sent_reminder_sent(therapist):
    booking = book_session(client=ready_client(), slot=slot_at(therapist, in_hours(72)))
    booking.reminders.filter(kind="24h").update(status=Reminder.Status.SENT)

    assert cancel_reminders(booking=booking) == 1

    assert kinds(booking) == {"24h": "sent", "2h": "cancelled"}


def test_moving_a_booking_replaces_its_reminders(therapist):
    old = book_session(client=ready_client(), slot=slot_at(therapist, in_hours(72)))
    new_slot = slot_at(therapist, in_hours(96))

    new = move_booking(booking=old, new_slot=new_slot)

    assert kinds(old) == {"24h": "cancelled", "2h": "cancelled"}
    assert {r.kind: r.send_at for r in new.reminders.reminders().filter(status="pending")} == {
        "24h": new_slot.starts_at - dt.timedelta(hours=24),
        "2h": new_slot.starts_at - dt.timedelta(hours=2),
    }


def test_turning_same_day_reminders_off_cancels_them_on_booked_sessions(therapist):
    client = ready_client()
    booking = book_session(client=client, slot=slot_at(therapist, in_hours(72)))

    set_same_day_reminders(client=client, enabled=False)

    client.refresh_from_db()
    assert client.same_day_reminders is False
    assert kinds(booking) == {"24h": "pending", "2h": "cancelled"}


def test_turning_same_day_reminders_back_on_restores_them(therapist):
    client = ready_client(same_day_reminders=False)
    booking = book_session(client=client, slot=slot_at(therapist, in_hours(72)))

    set_same_day_reminders(client=client, enabled=True)

    assert kinds(booking) == {"24h": "pending", "2h": "pending"}


# --- Weekly plans ------------------------------------------------------------------------------


def plan_with_sessions(therapist, client, weeks_ahead: list[int]) -> tuple[Plan, list[Booking]]:
    """A plan's bookings written directly, each scheduled as the booking service would."""
    today = timezone.localdate()
    plan = Plan.objects.create(
        client=client,
        therapist=therapist,
        weekdays=[today.weekday()],
        local_time=dt.time(10),
        starts_on=today,
        ends_on=today + dt.timedelta(weeks=max(weeks_ahead)),
    )
    bookings = []
    for weeks in weeks_ahead:
        slot = slot_at(therapist, in_hours(24 * 7 * weeks + 3))
        booking = BookingFactory(client=client, slot=slot, plan=plan)
        schedule_reminders(booking=booking)
        bookings.append(booking)
    return plan, bookings


def plan_end_reminders(plan):
    return list(Reminder.objects.filter(booking__plan=plan, kind=PLAN_END, status="pending"))


def test_plan_gets_one_plan_end_reminder_a_week_before_its_last_session(therapist):
    plan, bookings = plan_with_sessions(therapist, ready_client(), [1, 2, 3, 4])

    [reminder] = plan_end_reminders(plan)

    assert reminder.booking == bookings[-1]
    assert reminder.send_at == bookings[-1].starts_at - dt.timedelta(weeks=1)


def test_booking_a_plan_through_the_service_writes_the_plan_end_reminder(therapist):
    from booking.services import book_plan

    client = ready_client()
    today = timezone.localdate()
    starts = [today + dt.timedelta(weeks=w, days=1) for w in range(4)]
    for day in starts:
        start = dt.datetime.combine(day, dt.time(10), tzinfo=therapist.clinic.tz)
        slot_at(therapist, start)

    result = book_plan(
        client=client,
        therapist=therapist,
        weekdays=[starts[0].weekday()],
        local_time=dt.time(10),
        starts_on=starts[0],
        ends_on=starts[-1],
    )

    [reminder] = plan_end_reminders(result.plan)
    assert reminder.booking == max(result.booked, key=lambda b: b.starts_at)
    assert Reminder.objects.filter(kind=PLAN_END).count() == 1


def test_cancelling_the_last_session_moves_the_plan_end_reminder_to_the_new_last(therapist):
    plan, bookings = plan_with_sessions(therapist, ready_client(), [1, 2, 3, 4])

    cancel_booking(booking=bookings[-1], by=Booking.CancelledBy.CLIENT)

    [reminder] = plan_end_reminders(plan)
    assert reminder.booking == bookings[-2]
    assert reminder.send_at == bookings[-2].starts_at - dt.timedelta(weeks=1)


def test_cancelling_an_earlier_session_keeps_the_plan_end_reminder(therapist):
    plan, bookings = plan_with_sessions(therapist, ready_client(), [1, 2, 3, 4])

    cancel_booking(booking=bookings[1], by=Booking.CancelledBy.CLIENT)

    [reminder] = plan_end_reminders(plan)
    assert reminder.booking == bookings[-1]


def test_no_plan_end_reminder_when_the_last_session_is_at_her_due_date(therapist):
    client = ready_client(due_in=dt.timedelta(weeks=3))
    plan, _ = plan_with_sessions(therapist, client, [1, 2, 3])

    assert plan_end_reminders(plan) == []


def test_no_plan_end_reminder_when_the_last_session_is_less_than_a_week_away(therapist):
    plan, _ = plan_with_sessions(therapist, ready_client(), [0])

    assert plan_end_reminders(plan) == []
