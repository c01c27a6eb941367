"""PostgreSQL itself refuses overlapping slots of one therapist."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from booking.models import Slot
from booking.services import generate_slots
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


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_layouts_of_one_therapist_create_each_slot_once():
    therapist = TherapistFactory()
    for weekday in range(7):
        therapist.working_hours.create(weekday=weekday, starts_at=dt.time(9), ends_at=dt.time(17))
    start = dt.date.today() + dt.timedelta(days=7)
    end = start + dt.timedelta(days=13)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def lay_out():
        try:
            barrier.wait()
            results.append(len(generate_slots(therapist=therapist, start=start, end=end)))
        except Exception as error:  # collected, and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=lay_out) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [0, 14 * 6]
    assert Slot.objects.filter(therapist=therapist).count() == 14 * 6
