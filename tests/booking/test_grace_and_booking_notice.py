"""Just booked, not yet locked: a 15-minute grace to cancel or move; the clinic's minimum notice
to book; the plan preview ticks nothing she could not change online; one session a day."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import Booking
from booking.services import book_session, cancel_booking, move_booking, preview_plan
from booking.services.changes import can_change_online
from booking.services.errors import CancellationTooLate, SameDaySession, SlotUnavailable
from booking.services.plans import FREE, TOO_SOON
from tests.booking.conftest import local_today, make_ready_client, slot_at
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Tuesday morning in London


@pytest.fixture
def tomorrow_slot(therapist, frozen_clock):
    frozen_clock(NOW)
    return slot_at(therapist, NOW.date() + dt.timedelta(days=1), dt.time(8))


def test_a_session_booked_for_tomorrow_can_be_cancelled_within_15_minutes(
    tomorrow_slot, frozen_clock
):
    maya = make_ready_client()
    booking = book_session(client=maya, slot=tomorrow_slot)
    assert can_change_online(booking)  # 23 hours ahead, inside the 24-hour notice

    frozen_clock(NOW + dt.timedelta(minutes=14))
    cancel_booking(booking=booking, by=Booking.CancelledBy.CLIENT)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_after_the_grace_the_notice_rule_holds_again(tomorrow_slot, frozen_clock):
    booking = book_session(client=make_ready_client(), slot=tomorrow_slot)
    frozen_clock(NOW + dt.timedelta(minutes=16))
    booking.refresh_from_db()
    assert not can_change_online(booking)
    with pytest.raises(CancellationTooLate):
        cancel_booking(booking=booking, by=Booking.CancelledBy.CLIENT)


def test_moving_does_not_start_a_new_grace(tomorrow_slot, therapist, frozen_clock):
    booking = book_session(client=make_ready_client(), slot=tomorrow_slot)
    frozen_clock(NOW + dt.timedelta(minutes=10))
    later = slot_at(therapist, NOW.date() + dt.timedelta(days=1), dt.time(7))
    moved = move_booking(booking=booking, new_slot=later)
    assert moved.change_grace_until == booking.change_grace_until
    frozen_clock(NOW + dt.timedelta(minutes=16))
    moved.refresh_from_db()
    assert not can_change_online(moved)


def test_the_page_offers_cancel_in_the_grace_and_says_until_when(
    client, tomorrow_slot, frozen_clock
):
    maya = make_ready_client()
    booking = book_session(client=maya, slot=tomorrow_slot)
    client.force_login(maya)
    page = client.get(reverse("booking:booking", kwargs={"pk": booking.pk})).content.decode()
    assert reverse("booking:cancel", kwargs={"pk": booking.pk}) in page
    assert "Just booked: you can still move or cancel it online until 09:15" in page


def test_the_clinics_minimum_notice_to_book_is_kept(therapist, frozen_clock):
    frozen_clock(NOW)
    clinic = therapist.clinic
    clinic.booking_notice_hours = 12
    clinic.save()
    soon = slot_at(therapist, NOW.date(), dt.time(18))
    with pytest.raises(SlotUnavailable, match="at least 12 hours ahead"):
        book_session(client=make_ready_client(), slot=soon)


def test_the_slot_picker_hides_times_inside_the_minimum_notice(client, therapist, frozen_clock):
    frozen_clock(NOW)
    clinic = therapist.clinic
    clinic.booking_notice_hours = 12
    clinic.save()
    soon = slot_at(therapist, NOW.date(), dt.time(18))
    later = slot_at(therapist, NOW.date() + dt.timedelta(days=1), dt.time(10))
    url = reverse("booking:clinic", kwargs={"slug": clinic.slug})
    today_ids = [s["id"] for s in client.get(url, {"day": NOW.date()}).context["slots"]]
    assert soon.pk not in today_ids
    next_ids = [s["id"] for s in client.get(url, {"day": later.starts_at.date()}).context["slots"]]
    assert later.pk in next_ids


def test_plan_preview_marks_too_soon_and_does_not_pre_tick_inside_the_notice(
    therapist, frozen_clock
):
    frozen_clock(NOW)
    clinic = therapist.clinic
    clinic.booking_notice_hours = 6
    clinic.save()
    today = local_today(clinic)
    for offset in (0, 2):
        slot_at(therapist, today + dt.timedelta(days=offset), dt.time(12))

    preview = preview_plan(
        client=make_ready_client(),
        therapist=therapist,
        weekdays=[today.weekday(), (today.weekday() + 2) % 7],
        local_time=dt.time(12),
        starts_on=today,
        ends_on=today + dt.timedelta(days=2),
    )

    today_date, in_two_days = preview.dates
    # 12:00 today is 3 hours away: inside the 6-hour notice to book.
    assert today_date.status == TOO_SOON
    assert in_two_days.status == FREE
    assert in_two_days.pre_ticked


def test_plan_preview_leaves_a_date_inside_the_cancellation_notice_unticked(
    therapist, frozen_clock
):
    frozen_clock(NOW)
    today = local_today(therapist.clinic)
    slot_at(therapist, today + dt.timedelta(days=1), dt.time(8))
    slot_at(therapist, today + dt.timedelta(days=3), dt.time(8))

    preview = preview_plan(
        client=make_ready_client(),
        therapist=therapist,
        weekdays=[(today.weekday() + 1) % 7, (today.weekday() + 3) % 7],
        local_time=dt.time(8),
        starts_on=today + dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=3),
    )

    tomorrow, later = preview.dates
    assert tomorrow.status == FREE and not tomorrow.pre_ticked
    assert later.status == FREE and later.pre_ticked


def test_a_session_well_ahead_gives_the_notice_deadline_not_the_grace(
    client, therapist, frozen_clock
):
    frozen_clock(NOW)
    maya = make_ready_client()
    booking = book_session(
        client=maya, slot=slot_at(therapist, NOW.date() + dt.timedelta(days=5), dt.time(14))
    )
    client.force_login(maya)
    page = client.get(reverse("booking:booking", kwargs={"pk": booking.pk})).content.decode()
    assert "Just booked" not in page
    assert "You can move or cancel online until Sat 6 Mar, 14:00" in page


def test_a_second_session_on_the_same_day_is_refused(therapist, frozen_clock):
    frozen_clock(NOW)
    maya = make_ready_client()
    day = NOW.date() + dt.timedelta(days=3)
    book_session(client=maya, slot=slot_at(therapist, day, dt.time(9)))
    colleague = TherapistFactory(clinic=therapist.clinic)
    with pytest.raises(SameDaySession, match="already have a session on Friday 5 March"):
        book_session(client=maya, slot=slot_at(colleague, day, dt.time(16)))
    # The next day is fine.
    book_session(client=maya, slot=slot_at(therapist, day + dt.timedelta(days=1), dt.time(9)))


def test_moving_onto_a_day_with_another_session_is_refused(therapist, frozen_clock):
    frozen_clock(NOW)
    maya = make_ready_client()
    day = NOW.date() + dt.timedelta(days=3)
    book_session(client=maya, slot=slot_at(therapist, day, dt.time(9)))
    other = book_session(
        client=maya, slot=slot_at(therapist, day + dt.timedelta(days=2), dt.time(9))
    )
    with pytest.raises(SameDaySession):
        move_booking(booking=other, new_slot=slot_at(therapist, day, dt.time(15)))
    # Moving within its own day is fine.
    move_booking(
        booking=other, new_slot=slot_at(therapist, day + dt.timedelta(days=2), dt.time(15))
    )
