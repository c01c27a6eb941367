"""Blocking a time on PostgreSQL while its client cancels that session, her plan or her account."""

import datetime as dt
import threading
import time

import pytest
from django.db import connections, transaction

from booking.models import Booking, Slot
from booking.services import book_plan, book_session, cancel_plan
from booking.services.bookings import cancel_booking
from booking.services.slots import block_slots
from privacy.services import delete_client_account
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


def while_the_clinic_blocks(slot, admin, her_action, outcome: dict, key: str) -> None:
    """Run ``her_action`` while the clinic's block of ``slot`` holds its locks, then let go."""
    blocked, release = threading.Event(), threading.Event()

    def clinic_blocks():
        with transaction.atomic():
            block_slots(slots=[slot], reason="Burst pipe", by_user=admin)
            blocked.set()
            release.wait(10)

    clinic = in_thread(clinic_blocks, outcome, "block")
    assert blocked.wait(10)
    hers = in_thread(her_action, outcome, key)
    time.sleep(0.5)  # her action reaches the session the clinic holds and waits there
    release.set()
    clinic.join(10)
    hers.join(10)


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


def test_cancelling_a_plan_while_the_clinic_blocks_one_of_its_times_keeps_the_clinics_reason():
    therapist = TherapistFactory()
    admin = UserFactory()
    therapist.clinic.admins.add(admin)
    day = next_weekday(therapist.clinic, 2)
    slot = slot_at(therapist, day)
    plan = book_plan(
        client=make_ready_client(),
        therapist=therapist,
        weekdays=[2],
        local_time=dt.time(10),
        starts_on=day,
        ends_on=day,
    ).plan
    outcome: dict = {}

    while_the_clinic_blocks(slot, admin, lambda: cancel_plan(plan=plan), outcome, "cancel")

    assert outcome["cancel"].cancelled == []
    booking = Booking.objects.get(plan=plan)
    assert (booking.cancelled_by, booking.cancel_reason) == (
        Booking.CancelledBy.CLINIC,
        "Burst pipe",
    )


def test_deleting_her_account_while_the_clinic_blocks_her_session_succeeds():
    therapist = TherapistFactory()
    admin = UserFactory()
    therapist.clinic.admins.add(admin)
    slot = slot_at(therapist, next_weekday(therapist.clinic, 2))
    client = make_ready_client()
    booking = book_session(client=client, slot=slot)
    outcome: dict = {}

    while_the_clinic_blocks(
        slot, admin, lambda: delete_client_account(client=client), outcome, "delete"
    )

    assert outcome["delete"] is None
    assert Booking.objects.get(pk=booking.pk).cancelled_by == Booking.CancelledBy.CLINIC
