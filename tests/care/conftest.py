"""Fixtures for check-ins, holds and notes: a mother, her sessions, and a frozen clock."""

import datetime as dt

import pytest
from django.utils import timezone

from booking.models import Booking, Plan
from booking.services import flags
from care.models import CheckIn, TreatmentNote
from tests.factories import (
    BookingFactory,
    IntakeResponseFactory,
    PregnancyProfileFactory,
    SlotFactory,
)

# Sessions in these tests start at 10:00 London time on days around this instant.
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen_now(frozen_clock):
    """The clock stopped at ``NOW``; ``frozen_now.move(instant)`` stops it elsewhere."""

    class Clock:
        def move(self, instant: dt.datetime) -> None:
            frozen_clock(instant)

    frozen_clock(NOW)
    return Clock()


@pytest.fixture
def mother(client_user, frozen_now):
    # 20 weeks pregnant on NOW: 140 days to go.
    PregnancyProfileFactory(client=client_user, due_date=NOW.date() + dt.timedelta(days=140))
    IntakeResponseFactory(client=client_user, conditions=["sciatica"])
    return client_user


def session_at(*, client, therapist, starts_at: dt.datetime, plan=None) -> Booking:
    slot = SlotFactory(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )
    booking = BookingFactory(client=client, slot=slot, plan=plan)
    flags.write_flags(booking=booking)
    return booking


@pytest.fixture
def session(mother, therapist):
    """Her session tomorrow at 10:00 UTC: the check-in is open now."""
    return session_at(client=mother, therapist=therapist, starts_at=NOW + dt.timedelta(hours=25))


@pytest.fixture
def later_session(mother, therapist):
    return session_at(client=mother, therapist=therapist, starts_at=NOW + dt.timedelta(days=8))


def make_plan(*, client, therapist, count: int, first: dt.datetime) -> tuple[Plan, list[Booking]]:
    """A weekly plan of ``count`` sessions from ``first``, with their flags."""
    plan = Plan.objects.create(
        client=client,
        therapist=therapist,
        weekdays=[first.weekday()],
        local_time=dt.time(10),
        starts_on=first.date(),
        ends_on=(first + dt.timedelta(weeks=count)).date(),
    )
    bookings = [
        session_at(
            client=client,
            therapist=therapist,
            starts_at=first + dt.timedelta(weeks=index),
            plan=plan,
        )
        for index in range(count)
    ]
    return plan, bookings


def checkin_row(booking: Booking, *, pain: int) -> CheckIn:
    """A stored check-in, written directly (for read-side tests of past sessions)."""
    return CheckIn.objects.create(
        booking=booking,
        client=booking.client,
        pain=pain,
        pain_areas=["buttock"],
        sleep_effect="some",
        walking_effect="none",
        recorded_by=booking.client,
    )


def note_row(booking: Booking, *, pain_after: int, by, version: int = 1) -> TreatmentNote:
    return TreatmentNote.objects.create(
        booking=booking,
        client=booking.client,
        clinic=booking.slot.therapist.clinic,
        version=version,
        positions=["left_side"],
        areas_worked=["gluteals", "low_back"],
        techniques="Moderate lengthening strokes",
        pain_after=pain_after,
        amendment_reason="" if version == 1 else "Corrected",
        signed_by=by,
        signed_by_label="Rosa Lind",
        signed_at=timezone.now(),
    )
