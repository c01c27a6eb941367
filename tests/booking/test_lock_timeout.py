"""A row lock held elsewhere makes a request say "busy, try again", never hang or fail.

The holder below keeps its lock until the test lets go, after the request has answered: a
request that waited for the lock instead of giving up would never answer before it.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse

from booking.models import Booking, Slot
from booking.services import book_session, cancel_booking
from tests.booking.conftest import local_today, make_ready_client, slot_at

pytestmark = pytest.mark.django_db(transaction=True)

BUSY = "Someone else is changing"


class LockHolder:
    """Another transaction that locks rows and keeps them until released."""

    def __init__(self, queryset):
        self.queryset = queryset
        self.locked, self.release, self.done = (threading.Event() for _ in range(3))
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with transaction.atomic():
                list(self.queryset.select_for_update())
                self.locked.set()
                self.release.wait(30)
        finally:
            self.done.set()
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.locked.wait(10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(10)


def test_booking_a_time_someone_holds_says_busy_and_books_nothing(client, therapist):
    maya = make_ready_client()
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    client.force_login(maya)

    with LockHolder(Slot.objects.filter(pk=slot.pk)) as holder:
        response = client.post(reverse("booking:slot", kwargs={"slot_id": slot.pk}))
        still_held = not holder.done.is_set()

    assert still_held
    assert response.status_code == 409
    assert BUSY in response.content.decode()
    assert not Booking.objects.exists()
    # Once the other transaction is done, the same request books.
    assert client.post(reverse("booking:slot", kwargs={"slot_id": slot.pk})).status_code == 302


def test_blocking_a_day_someone_holds_says_busy_and_changes_nothing(
    client, clinic_admin, therapist
):
    day = local_today(therapist.clinic) + dt.timedelta(days=6)
    slot = slot_at(therapist, day)
    booking = book_session(client=make_ready_client(), slot=slot)
    client.force_login(clinic_admin)

    with LockHolder(Booking.objects.filter(pk=booking.pk)) as holder:
        response = client.post(
            reverse("schedule:range", args=[therapist.clinic.slug]),
            {"starts_on": day, "ends_on": day, "reason": "Burst pipe", "confirm": "yes"},
            follow=True,
        )
        still_held = not holder.done.is_set()

    assert still_held
    assert response.status_code == 200
    assert BUSY in response.content.decode()
    booking.refresh_from_db()
    slot.refresh_from_db()
    assert (booking.status, slot.status) == (Booking.Status.BOOKED, Slot.Status.OPEN)


def test_cancelling_a_session_someone_holds_says_busy(client, therapist):
    maya = make_ready_client()
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    booking = book_session(client=maya, slot=slot)
    client.force_login(maya)

    with LockHolder(Booking.objects.filter(pk=booking.pk)) as holder:
        response = client.post(reverse("booking:cancel", kwargs={"pk": booking.pk}), follow=True)
        still_held = not holder.done.is_set()

    assert still_held
    assert BUSY in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_a_callers_own_transaction_keeps_its_lock_timeout(therapist):
    maya = make_ready_client()
    booking = book_session(
        client=maya, slot=slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    )

    def lock_timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            return cursor.fetchone()[0]

    with transaction.atomic():
        before = lock_timeout()
        cancel_booking(booking=booking, by=Booking.CancelledBy.CLIENT)
        after = lock_timeout()

    assert before == after == "0"
