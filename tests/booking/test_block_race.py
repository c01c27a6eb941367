"""Blocking a time on PostgreSQL while its client is cancelling the same session."""

import threading
import time

import pytest
from django.db import connections, transaction

from booking.models import Booking, Slot
from booking.services import book_session
from booking.services.bookings import cancel_booking
from booking.services.slots import block_slots
from tests.booking.conftest import make_ready_client, next_weekday, slot_at
from tests.factories import TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(work, outcome: dict, key: str) -> threading.Thread:
    def run():
        try:
            outcome[key] = work()
        except Exception as error:  # asserted on by the test
            outcome[key] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_blocking_while_she_cancels_blocks_the_time_without_failing():
    therapist = TherapistFactory()
    admin = UserFactory()
    therapist.clinic.admins.add(admin)
    slot = slot_at(therapist, next_weekday(therapist.clinic, 2))
    booking = book_session(client=make_ready_client(), slot=slot)
    cancelled, release = threading.Event(), threading.Event()
    outcome: dict = {}

    def her_cancel():
        with transaction.atomic():
            cancel_booking(booking=booking, by=Booking.CancelledBy.CLIENT)
            cancelled.set()
            release.wait(10)

    hers = in_thread(her_cancel, outcome, "cancel")
    assert cancelled.wait(10)
    block = in_thread(
        lambda: block_slots(slots=[slot], reason="Burst pipe", by_user=admin), outcome, "block"
    )
    time.sleep(0.5)  # the block reaches her locked session and waits there
    release.set()
    hers.join(10)
    block.join(10)

    assert outcome["block"] == []
    assert Slot.objects.get(pk=slot.pk).status == Slot.Status.BLOCKED
    assert Booking.objects.get(pk=booking.pk).cancelled_by == Booking.CancelledBy.CLIENT
