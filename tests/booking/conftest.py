"""Fixtures for the booking tests: a client ready to book and slots at clinic-local times."""

import datetime as dt

import pytest
from django.utils import timezone

from booking.models import Slot
from tests.factories import IntakeResponseFactory, PregnancyProfileFactory, UserFactory


def make_ready_client(*, due_date: dt.date | None = None, conditions=(), **user_fields):
    """A client with a pregnancy profile and an intake with consent."""
    client = UserFactory(**user_fields)
    profile = {"client": client}
    if due_date is not None:
        profile["due_date"] = due_date
    PregnancyProfileFactory(**profile)
    IntakeResponseFactory(client=client, conditions=list(conditions))
    return client


def booked_a_while_ago(*bookings) -> None:
    """Her 15-minute grace to change her mind is over for these bookings."""
    from booking.models import Booking

    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(
        change_grace_until=timezone.now() - dt.timedelta(minutes=1)
    )
    for booking in bookings:
        booking.refresh_from_db()


def slot_at(therapist, day: dt.date, at: dt.time = dt.time(10), minutes: int = 60) -> Slot:
    """An open slot starting at ``at`` clinic-local time on ``day``."""
    starts_at = dt.datetime.combine(day, at, tzinfo=therapist.clinic.tz)
    return Slot.objects.create(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=minutes)
    )


def local_today(clinic) -> dt.date:
    return timezone.localtime(timezone.now(), clinic.tz).date()


def next_weekday(clinic, weekday: int, *, after_days: int = 3) -> dt.date:
    """The first ``weekday`` at least ``after_days`` from today (outside any notice period)."""
    day = local_today(clinic) + dt.timedelta(days=after_days)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def ready_client(db):
    return make_ready_client(first_name="Maya", email="maya@example.com")


@pytest.fixture
def open_slot(therapist):
    return slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
