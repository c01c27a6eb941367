"""Fixtures for the front desk: a clinic with an admin, two therapists and slots ahead."""

import datetime as dt

import pytest

from tests.booking.conftest import booked_a_while_ago, local_today, make_ready_client, slot_at
from tests.factories import ClinicFactory, TherapistFactory, UserFactory

__all__ = ["booked_a_while_ago", "make_ready_client", "slot_at", "local_today", "weekly_slots"]


def weekly_slots(therapist, *, weekdays=(0, 3), weeks: int = 4, at=dt.time(10)) -> list:
    """Slots at ``at`` on ``weekdays`` for the next ``weeks`` weeks, from 3 days ahead."""
    start = local_today(therapist.clinic) + dt.timedelta(days=3)
    slots = []
    for offset in range(weeks * 7):
        day = start + dt.timedelta(days=offset)
        if day.weekday() in weekdays:
            slots.append(slot_at(therapist, day, at))
    return slots


@pytest.fixture
def other_therapist(clinic):
    return TherapistFactory(clinic=clinic, display_name="Amira Noor", slug="amira-noor")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(name="Brooklyn Bump Clinic", time_zone="America/New_York")


@pytest.fixture
def other_admin(other_clinic):
    user = UserFactory(first_name="Jo")
    other_clinic.admins.add(user)
    return user


@pytest.fixture
def admin_client(client, clinic_admin):
    client.force_login(clinic_admin)
    return client
