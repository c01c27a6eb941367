"""generate_slots, block_slots, unblock_slots and keeping slots laid out to the horizon."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from booking.models import Booking, Slot
from booking.services import block_slots, ensure_slots_for_horizon, generate_slots, unblock_slots
from booking.services.slots import (
    InvalidRange,
    NothingToBlock,
    ReasonRequired,
    deactivate_therapist,
    reactivate_therapist,
    relayout_slots,
)
from booking.tasks import keep_slots_generated
from clinics.models import TimeOff
from tests.factories import (
    BookingFactory,
    ClinicFactory,
    SlotFactory,
    TherapistFactory,
    WorkingHoursFactory,
)

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
MORNING = (dt.time(9), dt.time(13))
AFTERNOON = (dt.time(14), dt.time(18))


def monday_after_next() -> dt.date:
    today = timezone.localdate(timezone=LONDON)
    return today + dt.timedelta(days=14 - today.weekday())


def add_hours(therapist, weekday, stretch, **extra):
    return WorkingHoursFactory(
        therapist=therapist, weekday=weekday, starts_at=stretch[0], ends_at=stretch[1], **extra
    )


def local_starts(slots, tz=LONDON):
    return [timezone.localtime(slot.starts_at, tz).strftime("%a %H:%M") for slot in slots]


@pytest.fixture
def week_of_hours(therapist):
    add_hours(therapist, 0, MORNING)
    add_hours(therapist, 0, AFTERNOON)
    add_hours(therapist, 2, MORNING)
    return therapist


def test_known_week_gets_session_slots_with_turnover_gap(week_of_hours):
    monday = monday_after_next()

    slots = generate_slots(therapist=week_of_hours, start=monday, end=monday + dt.timedelta(6))

    assert len(slots) == 9
    assert local_starts(sorted(slots, key=lambda s: s.starts_at)) == [
        "Mon 09:00",
        "Mon 10:15",
        "Mon 11:30",
        "Mon 14:00",
        "Mon 15:15",
        "Mon 16:30",
        "Wed 09:00",
        "Wed 10:15",
        "Wed 11:30",
    ]
    assert all(slot.ends_at - slot.starts_at == dt.timedelta(hours=1) for slot in slots)
    assert Slot.objects.filter(therapist=week_of_hours).count() == 9


def test_gap_between_sessions_follows_clinic_policy(therapist):
    therapist.clinic.session_minutes = 45
    therapist.clinic.turnover_minutes = 30
    therapist.clinic.save()
    add_hours(therapist, 0, MORNING)
    monday = monday_after_next()

    slots = generate_slots(therapist=therapist, start=monday, end=monday)

    assert local_starts(slots) == ["Mon 09:00", "Mon 10:15", "Mon 11:30"]
    assert all(slot.ends_at - slot.starts_at == dt.timedelta(minutes=45) for slot in slots)


def test_time_off_days_get_no_slots(week_of_hours):
    monday = monday_after_next()
    TimeOff.objects.create(therapist=week_of_hours, starts_on=monday, ends_on=monday, reason="Sick")

    slots = generate_slots(therapist=week_of_hours, start=monday, end=monday + dt.timedelta(6))

    assert local_starts(slots) == ["Wed 09:00", "Wed 10:15", "Wed 11:30"]


def test_working_hours_apply_only_within_their_valid_dates(therapist):
    monday = monday_after_next()
    add_hours(therapist, 0, MORNING, valid_until=monday + dt.timedelta(days=6))
    add_hours(therapist, 0, AFTERNOON, valid_from=monday + dt.timedelta(days=7))

    slots = generate_slots(therapist=therapist, start=monday, end=monday + dt.timedelta(days=13))

    first_week = [s for s in slots if s.starts_at.date() == monday]
    second_week = [s for s in slots if s.starts_at.date() == monday + dt.timedelta(days=7)]
    assert len(slots) == 6
    assert local_starts(first_week) == ["Mon 09:00", "Mon 10:15", "Mon 11:30"]
    assert local_starts(second_week) == ["Mon 14:00", "Mon 15:15", "Mon 16:30"]


def test_running_again_over_the_same_range_creates_nothing(week_of_hours):
    monday = monday_after_next()
    generate_slots(therapist=week_of_hours, start=monday, end=monday + dt.timedelta(6))

    again = generate_slots(therapist=week_of_hours, start=monday, end=monday + dt.timedelta(6))

    assert again == []
    assert Slot.objects.filter(therapist=week_of_hours).count() == 9


def test_booked_and_blocked_slots_are_never_moved_when_hours_change(therapist):
    monday = monday_after_next()
    stretch = add_hours(therapist, 0, MORNING)
    first, second, _ = sorted(
        generate_slots(therapist=therapist, start=monday, end=monday), key=lambda s: s.starts_at
    )
    booking = BookingFactory(slot=first)
    Slot.objects.filter(pk=second.pk).update(status=Slot.Status.BLOCKED, block_reason="Training")
    stretch.starts_at = dt.time(9, 30)
    stretch.save()

    created = generate_slots(therapist=therapist, start=monday, end=monday)

    first.refresh_from_db()
    second.refresh_from_db()
    booking.refresh_from_db()
    assert (first.starts_at, booking.status) == (booking.starts_at, Booking.Status.BOOKED)
    assert second.status == Slot.Status.BLOCKED
    # 09:30, 10:45 and 12:00 each overlap a slot that stays where it was.
    assert local_starts(created) == []
    assert Slot.objects.filter(therapist=therapist).count() == 3


def test_new_slots_fit_around_an_existing_slot_at_another_time(therapist):
    monday = monday_after_next()
    add_hours(therapist, 0, MORNING)
    odd = dt.datetime.combine(monday, dt.time(9, 30), tzinfo=LONDON)
    SlotFactory(therapist=therapist, starts_at=odd, ends_at=odd + dt.timedelta(hours=1))

    created = generate_slots(therapist=therapist, start=monday, end=monday)

    assert local_starts(created) == ["Mon 11:30"]


# Slots are laid out only from today on: the clock-change tests look ahead from here.
BEFORE_THE_2030_CLOCK_CHANGES = dt.datetime(2030, 1, 15, 12, tzinfo=dt.UTC)


def test_spring_clock_change_keeps_ten_oclock_local_in_london(therapist, frozen_clock):
    frozen_clock(BEFORE_THE_2030_CLOCK_CHANGES)
    # Clocks go forward in London on Sunday 31 March 2030.
    add_hours(therapist, 4, (dt.time(10), dt.time(11)))
    add_hours(therapist, 0, (dt.time(10), dt.time(11)))

    slots = generate_slots(therapist=therapist, start=dt.date(2030, 3, 29), end=dt.date(2030, 4, 1))

    friday, monday = sorted(slots, key=lambda s: s.starts_at)
    assert friday.starts_at == dt.datetime(2030, 3, 29, 10, tzinfo=dt.UTC)
    assert monday.starts_at == dt.datetime(2030, 4, 1, 9, tzinfo=dt.UTC)
    assert local_starts([friday, monday]) == ["Fri 10:00", "Mon 10:00"]


def test_autumn_clock_change_keeps_ten_oclock_local_in_new_york(therapist, frozen_clock):
    frozen_clock(BEFORE_THE_2030_CLOCK_CHANGES)
    therapist.clinic.time_zone = "America/New_York"
    therapist.clinic.save()
    # Clocks go back in New York on Sunday 3 November 2030.
    add_hours(therapist, 4, (dt.time(10), dt.time(11)))
    add_hours(therapist, 0, (dt.time(10), dt.time(11)))

    slots = generate_slots(
        therapist=therapist, start=dt.date(2030, 11, 1), end=dt.date(2030, 11, 4)
    )

    friday, monday = sorted(slots, key=lambda s: s.starts_at)
    assert friday.starts_at == dt.datetime(2030, 11, 1, 14, tzinfo=dt.UTC)
    assert monday.starts_at == dt.datetime(2030, 11, 4, 15, tzinfo=dt.UTC)
    assert local_starts([friday, monday], NEW_YORK) == ["Fri 10:00", "Mon 10:00"]


def test_local_times_skipped_by_the_spring_clock_change_get_no_slot(therapist, frozen_clock):
    frozen_clock(BEFORE_THE_2030_CLOCK_CHANGES)
    therapist.clinic.turnover_minutes = 0
    therapist.clinic.save()
    add_hours(therapist, 6, (dt.time(0), dt.time(3)))

    slots = generate_slots(
        therapist=therapist, start=dt.date(2030, 3, 31), end=dt.date(2030, 3, 31)
    )

    # 01:00 does not exist that night; 00:00 GMT and 02:00 BST do.
    assert sorted(s.starts_at for s in slots) == [
        dt.datetime(2030, 3, 31, 0, tzinfo=dt.UTC),
        dt.datetime(2030, 3, 31, 1, tzinfo=dt.UTC),
    ]


def test_repeated_hour_of_the_autumn_clock_change_uses_its_first_occurrence(
    therapist, frozen_clock
):
    frozen_clock(BEFORE_THE_2030_CLOCK_CHANGES)
    therapist.clinic.turnover_minutes = 0
    therapist.clinic.save()
    add_hours(therapist, 6, (dt.time(0), dt.time(3)))

    slots = generate_slots(
        therapist=therapist, start=dt.date(2030, 10, 27), end=dt.date(2030, 10, 27)
    )

    # 00:00 BST, 01:00 BST (the first of the two 01:00s) and 02:00 GMT: four real hours,
    # three sessions, none overlapping.
    assert sorted(s.starts_at for s in slots) == [
        dt.datetime(2030, 10, 26, 23, tzinfo=dt.UTC),
        dt.datetime(2030, 10, 27, 0, tzinfo=dt.UTC),
        dt.datetime(2030, 10, 27, 2, tzinfo=dt.UTC),
    ]


def test_times_already_past_get_no_slot(therapist):
    for weekday in range(7):
        add_hours(therapist, weekday, (dt.time(0), dt.time(23, 59)))
    yesterday = timezone.localdate(timezone=LONDON) - dt.timedelta(days=1)

    slots = generate_slots(therapist=therapist, start=yesterday, end=yesterday)

    assert slots == []


def test_inactive_therapist_gets_no_slots(week_of_hours):
    week_of_hours.is_active = False
    week_of_hours.save()
    monday = monday_after_next()

    assert generate_slots(therapist=week_of_hours, start=monday, end=monday) == []


def test_end_before_start_is_refused(therapist):
    monday = monday_after_next()

    with pytest.raises(InvalidRange):
        generate_slots(therapist=therapist, start=monday, end=monday - dt.timedelta(days=1))


def test_horizon_task_lays_out_every_active_therapist_once(week_of_hours):
    resting = TherapistFactory(clinic=week_of_hours.clinic, is_active=False)
    add_hours(resting, 0, MORNING)
    other = TherapistFactory(clinic=ClinicFactory(time_zone="America/New_York"))
    add_hours(other, 1, MORNING)

    created = ensure_slots_for_horizon()

    assert created == Slot.objects.count()
    assert not Slot.objects.filter(therapist=resting).exists()
    assert Slot.objects.filter(therapist=other).count() >= 8 * 3
    latest = Slot.objects.filter(therapist=week_of_hours).latest("starts_at").starts_at
    assert latest.date() <= timezone.localdate() + dt.timedelta(weeks=8, days=1)
    assert latest.date() >= timezone.localdate() + dt.timedelta(weeks=7)
    assert keep_slots_generated.apply().get() == 0


# --- blocking ------------------------------------------------------------------------


@pytest.fixture
def booked_slot(therapist):
    slot = SlotFactory(therapist=therapist, starts_at=timezone.now() + dt.timedelta(days=3))
    BookingFactory(slot=slot)
    return slot


def test_blocking_an_open_slot_records_the_reason(therapist, clinic_admin):
    slot = SlotFactory(therapist=therapist)

    cancelled = block_slots(slots=[slot], reason="  Staff training  ", by_user=clinic_admin)

    slot.refresh_from_db()
    assert cancelled == []
    assert (slot.status, slot.block_reason) == (Slot.Status.BLOCKED, "Staff training")


def test_blocking_a_booked_slot_cancels_the_booking_and_emails_the_client(
    booked_slot, clinic_admin, mailoutbox, django_capture_on_commit_callbacks
):
    booking = booked_slot.bookings.get()

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = block_slots(slots=[booked_slot], reason="Boiler broken", by_user=clinic_admin)

    booking.refresh_from_db()
    booked_slot.refresh_from_db()
    assert cancelled == [booking]
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_by == Booking.CancelledBy.CLINIC
    assert booking.cancel_reason == "Boiler broken"
    assert booked_slot.status == Slot.Status.BLOCKED
    assert [m.to for m in mailoutbox] == [[booking.client.email]]
    assert "Boiler broken" in mailoutbox[0].body
    assert "Choose another time here: http" in mailoutbox[0].body


def test_blocking_without_a_reason_changes_nothing(booked_slot, clinic_admin):
    with pytest.raises(ReasonRequired):
        block_slots(slots=[booked_slot], reason="  ", by_user=clinic_admin)

    booked_slot.refresh_from_db()
    assert booked_slot.status == Slot.Status.OPEN
    assert booked_slot.bookings.get().status == Booking.Status.BOOKED


def test_a_failed_cancellation_leaves_every_slot_open(
    therapist, booked_slot, clinic_admin, monkeypatch
):
    open_slot = SlotFactory(therapist=therapist)

    def refuse(**kwargs):
        raise RuntimeError("mail server down")

    monkeypatch.setattr("booking.services.slots.cancel_booking", refuse)

    with pytest.raises(RuntimeError):
        block_slots(slots=[open_slot, booked_slot], reason="Closed", by_user=clinic_admin)

    assert set(Slot.objects.values_list("status", flat=True)) == {Slot.Status.OPEN}


def test_unblocking_restores_an_open_slot(therapist, clinic_admin):
    slot = SlotFactory(therapist=therapist)
    untouched = SlotFactory(therapist=therapist)
    block_slots(slots=[slot], reason="Holiday", by_user=clinic_admin)

    reopened = unblock_slots(slots=[slot, untouched])

    slot.refresh_from_db()
    assert reopened == 1
    assert (slot.status, slot.block_reason) == (Slot.Status.OPEN, "")
    assert slot in Slot.objects.free()


def test_deactivating_a_therapist_removes_only_her_never_booked_future_slots(
    therapist, booked_slot
):
    SlotFactory(therapist=therapist)
    past = SlotFactory(therapist=therapist, starts_at=timezone.now() - dt.timedelta(days=2))
    Slot.objects.filter(pk=past.pk).update(ends_at=past.starts_at + dt.timedelta(hours=1))

    removed = deactivate_therapist(therapist=therapist)

    therapist.refresh_from_db()
    assert removed == 1
    assert not therapist.is_active
    assert set(Slot.objects.filter(therapist=therapist)) == {booked_slot, past}


def test_reactivating_a_therapist_lays_out_her_slots_again(week_of_hours):
    deactivate_therapist(therapist=week_of_hours)

    created = reactivate_therapist(therapist=week_of_hours)

    week_of_hours.refresh_from_db()
    assert week_of_hours.is_active
    assert len(created) >= 8 * 9 - 9


def test_relayout_after_a_new_session_length_replaces_only_unused_open_slots(therapist):
    monday = monday_after_next()
    add_hours(therapist, 0, MORNING)
    first, second, third = sorted(
        generate_slots(therapist=therapist, start=monday, end=monday), key=lambda s: s.starts_at
    )
    BookingFactory(slot=first)
    Slot.objects.filter(pk=third.pk).update(status=Slot.Status.BLOCKED, block_reason="Meeting")
    therapist.clinic.session_minutes = 45
    therapist.clinic.turnover_minutes = 0
    therapist.clinic.save()

    removed, created = relayout_slots(therapist=therapist, start=monday, end=monday)

    assert (removed, created) == (1, 1)
    kept = Slot.objects.filter(therapist=therapist).order_by("starts_at")
    assert local_starts(kept) == ["Mon 09:00", "Mon 10:30", "Mon 11:30"]
    assert {s.pk for s in kept} >= {first.pk, third.pk}
    assert not Slot.objects.filter(pk=second.pk).exists()


def test_times_already_past_are_never_blocked(therapist, clinic_admin):
    past = SlotFactory(therapist=therapist, starts_at=timezone.now() - dt.timedelta(days=1))
    Slot.objects.filter(pk=past.pk).update(ends_at=past.starts_at + dt.timedelta(hours=1))
    BookingFactory(slot=past)
    upcoming = SlotFactory(therapist=therapist)

    with pytest.raises(NothingToBlock):
        block_slots(slots=[past], reason="Too late", by_user=clinic_admin)
    block_slots(slots=[past, upcoming], reason="Closed", by_user=clinic_admin)

    past.refresh_from_db()
    upcoming.refresh_from_db()
    assert (past.status, upcoming.status) == (Slot.Status.OPEN, Slot.Status.BLOCKED)
    assert past.bookings.get().status == Booking.Status.BOOKED


def test_horizon_task_carries_on_after_one_therapist_fails(week_of_hours, monkeypatch):
    other = TherapistFactory(clinic=week_of_hours.clinic)
    add_hours(other, 0, MORNING)
    real = generate_slots

    def fail_for_the_first(*, therapist, start, end):
        if therapist.pk == week_of_hours.pk:
            raise RuntimeError("database hiccup")
        return real(therapist=therapist, start=start, end=end)

    monkeypatch.setattr("booking.services.slots.generate_slots", fail_for_the_first)

    created = ensure_slots_for_horizon()

    assert created == Slot.objects.filter(therapist=other).count() > 0
    assert not Slot.objects.filter(therapist=week_of_hours).exists()


def test_the_scheduler_runs_the_slot_task_by_its_registered_name(settings):
    assert settings.CELERY_BEAT_SCHEDULE["keep-slots-generated"]["task"] == (
        keep_slots_generated.name
    )
