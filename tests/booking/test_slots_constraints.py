"""PostgreSQL itself refuses overlapping slots of one therapist."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from booking.models import Slot
from tests.factories import SlotFactory, TherapistFactory

pytestmark = pytest.mark.django_db

TEN = dt.datetime(2030, 6, 3, 10, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints exist only on PostgreSQL")


def test_database_refuses_two_overlapping_slots_of_one_therapist(therapist):
    SlotFactory(therapist=therapist, starts_at=TEN, ends_at=TEN + HOUR)

    with pytest.raises(IntegrityError, match="slot_no_overlap_per_therapist"), transaction.atomic():
        Slot.objects.create(
            therapist=therapist, starts_at=TEN + HOUR / 2, ends_at=TEN + HOUR + HOUR / 2
        )

    assert Slot.objects.filter(therapist=therapist).count() == 1


def test_database_refuses_a_slot_inside_another_even_through_a_bulk_insert(therapist):
    SlotFactory(therapist=therapist, starts_at=TEN, ends_at=TEN + 2 * HOUR)

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.bulk_create(
            [Slot(therapist=therapist, starts_at=TEN + HOUR / 4, ends_at=TEN + HOUR)]
        )


def test_back_to_back_slots_and_other_therapists_at_the_same_time_are_allowed(therapist):
    SlotFactory(therapist=therapist, starts_at=TEN, ends_at=TEN + HOUR)

    SlotFactory(therapist=therapist, starts_at=TEN + HOUR, ends_at=TEN + 2 * HOUR)
    SlotFactory(
        therapist=TherapistFactory(clinic=therapist.clinic), starts_at=TEN, ends_at=TEN + HOUR
    )

    assert Slot.objects.count() == 3
