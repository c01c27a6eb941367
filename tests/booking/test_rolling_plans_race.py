"""Plan holders first, on PostgreSQL: the slot layout books plans before anyone sees new slots."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connections

from booking.models import Booking, Slot
from booking.queries import bookable_slots
from booking.services import book_plan, book_session, rolling_plans
from booking.services.errors import SlotUnavailable
from booking.services.slots import ensure_slots_for_horizon
from tests.booking.conftest import make_ready_client
from tests.factories import TherapistFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db(transaction=True)

LONDON = zoneinfo.ZoneInfo("Europe/London")
MONDAY = dt.datetime(2027, 1, 4, 7, tzinfo=LONDON)
START = dt.date(2027, 1, 5)
OPENS_THIS_RUN = dt.date(2027, 2, 2)  # past the horizon on 4 January, reached a week later


def test_a_slot_opening_this_run_goes_to_the_plan_though_another_client_tries_at_once(
    monkeypatch, frozen_clock
):
    frozen_clock(MONDAY)
    therapist = TherapistFactory(clinic__booking_horizon_weeks=4, clinic__turnover_minutes=0)
    WorkingHoursFactory(therapist=therapist, weekday=1, starts_at=dt.time(9), ends_at=dt.time(13))
    ensure_slots_for_horizon()
    mother = make_ready_client(due_date=START + dt.timedelta(weeks=14))
    other = make_ready_client(due_date=START + dt.timedelta(weeks=14))
    book_plan(
        client=mother, therapist=therapist, weekdays=[1], local_time=dt.time(10), starts_on=START
    )
    target = dt.datetime.combine(OPENS_THIS_RUN, dt.time(10), tzinfo=LONDON)
    assert not Slot.objects.filter(starts_at=target).exists()

    frozen_clock(MONDAY + dt.timedelta(weeks=1))
    laid_out, tried = threading.Event(), threading.Event()
    real = rolling_plans.book_due_planned_sessions

    def book_after_the_other_client_tried(*, therapist):
        laid_out.set()  # the new slots exist in this (not yet committed) transaction
        assert tried.wait(10)
        return real(therapist=therapist)

    monkeypatch.setattr(
        rolling_plans, "book_due_planned_sessions", book_after_the_other_client_tried
    )
    layout = threading.Thread(target=lambda: (ensure_slots_for_horizon(), connections.close_all()))
    layout.start()
    try:
        assert laid_out.wait(10)
        # The other client, at that very moment, finds nothing at that time to book.
        visible = list(bookable_slots(clinic=therapist.clinic).filter(starts_at=target))
        assert visible == []
        assert not Slot.objects.filter(starts_at=target).exists()
    finally:
        tried.set()
        layout.join(20)

    slot = Slot.objects.get(starts_at=target)
    assert slot.bookings.get(status=Booking.Status.BOOKED).client == mother
    with pytest.raises(SlotUnavailable):
        book_session(client=other, slot=slot)
    assert not Booking.objects.filter(client=other).exists()
