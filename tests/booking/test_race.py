"""Races on PostgreSQL: many people booking one time at once get exactly one booking."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from booking.models import Booking, Plan
from booking.services import book_plan, book_session, preview_plan
from booking.services.errors import Busy, PlanChanged, SlotUnavailable
from tests.booking.conftest import make_ready_client, next_weekday, slot_at
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 24


def run_at_once(count: int, work):
    """Run ``work(i)`` in ``count`` threads released together; return results or errors."""
    barrier = threading.Barrier(count)

    def attempt(index):
        try:
            barrier.wait()
            return work(index)
        except Exception as error:  # collected and asserted on by the test
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


def test_many_clients_racing_for_one_slot_get_exactly_one_booking():
    assert connection.vendor == "postgresql"
    therapist = TherapistFactory()
    slot = slot_at(therapist, next_weekday(therapist.clinic, 2))
    clients = [make_ready_client() for _ in range(THREADS)]

    results = run_at_once(THREADS, lambda i: book_session(client=clients[i], slot=slot))

    bookings = [r for r in results if isinstance(r, Booking)]
    refusals = [r for r in results if isinstance(r, SlotUnavailable)]
    assert len(bookings) == 1
    assert len(refusals) == THREADS - 1, [r for r in results if not isinstance(r, Booking)]
    assert all(str(r) == "That time was just taken." for r in refusals)
    assert Booking.objects.filter(slot=slot, status=Booking.Status.BOOKED).count() == 1


def test_plans_racing_for_a_shared_date_never_leave_half_a_plan():
    therapist = TherapistFactory()
    monday = next_weekday(therapist.clinic, 0)
    for offset in range(28):
        slot_at(therapist, monday + dt.timedelta(days=offset))
    racers = 8
    clients = [make_ready_client() for _ in range(racers)]
    # Every plan shares the Mondays; the second weekday differs between some racers.
    plans = [
        {
            "client": clients[index],
            "therapist": therapist,
            "weekdays": [0, 2 + index % 3],
            "local_time": dt.time(10),
            "starts_on": monday,
            "ends_on": monday + dt.timedelta(days=27),
        }
        for index in range(racers)
    ]
    # Each of them saw every date free and accepted them all, as on the preview page.
    accepted = [
        [planned.slot.pk for planned in preview_plan(**plan).dates if planned.is_free]
        for plan in plans
    ]

    def book(index):
        return book_plan(accepted_slot_ids=accepted[index], **plans[index])

    results = run_at_once(racers, book)

    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    # A racer still queued behind the winner's locks after LOCK_TIMEOUT (a slow machine) is
    # told the page is busy instead; either way she is refused cleanly, with nothing booked.
    assert all(isinstance(r, PlanChanged | Busy) for r in losers), losers
    assert Plan.objects.count() == 1
    winner_client = winners[0].plan.client
    assert Booking.objects.exclude(client=winner_client).count() == 0
    assert Booking.objects.filter(client=winner_client).count() == 8
