"""A cancellation in a clinic with 500 waitlist entries: the time to compute and write the offers.

Run on demand: ``.venv/bin/python benchmarks/waitlist_offers.py [--entries N] [--runs R]``.
It works in the database of ``DATABASE_URL`` inside one transaction that is rolled back at the
end, so it leaves nothing behind. 500 clients (one in twenty with an answer that blocks every
session) wait at a clinic of 5 therapists for the coming fortnight, most of them for any
therapist, mornings and weekdays; a client cancels a Wednesday 10:00 session. Each run, in a
savepoint rolled back afterwards, cancels that session and offers the freed slot
(``waitlist.services.offer_freed_slots``: fitting entries, safety for each, the offers and
their outbox rows), once with the clinic holding it for the first in line and once offering
it to everyone. It reports the median and 95th-percentile time of the offering alone and of
cancellation plus offering, and the query count of each. Target: under 50 ms, and the same
number of queries whatever the number of entries.
"""

import argparse
import datetime as dt
import os
import time

import support

support.setup_django()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from booking.models import Booking, Reminder, Slot  # noqa: E402
from booking.services import cancel_booking  # noqa: E402
from clinics.models import Clinic  # noqa: E402
from safety.models import IntakeResponse, PregnancyProfile  # noqa: E402
from waitlist.models import ALL_PARTS, PART_BITS, Entry, Offer  # noqa: E402
from waitlist.services import offer_freed_slots  # noqa: E402


def build(entries: int):
    clinic, staff = support.create_clinic_with_therapists(therapists=5, workdays=5)
    today = clinic.today()
    wednesday = today + dt.timedelta(days=7 + (2 - today.weekday()) % 7)
    starts = dt.datetime.combine(wednesday, dt.time(10), tzinfo=clinic.tz)
    slot = Slot.objects.create(
        therapist=staff[0], starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
    )
    stamp = time.monotonic_ns()
    clients = User.objects.bulk_create(
        User(email=f"bench-waiting-{stamp}-{n}@example.com", first_name=f"Waiting{n}")
        for n in range(entries + 1)
    )
    PregnancyProfile.objects.bulk_create(
        PregnancyProfile(
            client=client,
            due_date=today + dt.timedelta(weeks=14),
            phone="+447400900000",
            emergency_contact_name="Partner",
            emergency_contact_phone="+447400900001",
        )
        for client in clients
    )
    IntakeResponse.objects.bulk_create(
        IntakeResponse(
            client=client,
            conditions=["vaginal_bleeding"] if n % 20 == 7 else ["sciatica"],
            consent_given_at=timezone.now(),
        )
        for n, client in enumerate(clients)
    )
    cancelling, waiting = clients[0], clients[1:]
    booking = Booking.objects.create(
        client=cancelling, slot=slot, starts_at=slot.starts_at, ends_at=slot.ends_at
    )
    Entry.objects.bulk_create(
        Entry(
            client=client,
            clinic=clinic,
            therapist=staff[n % 5] if n % 4 == 0 else None,
            starts_on=today,
            ends_on=today + dt.timedelta(weeks=2),
            weekdays=0b0011111,
            parts_of_day=PART_BITS["morning"] if n % 3 else ALL_PARTS,
        )
        for n, client in enumerate(waiting)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE waitlist_entry, waitlist_offer, booking_slot, booking_booking, "
            "safety_pregnancyprofile, safety_intakeresponse, accounts_user"
        )
    return clinic, slot, booking


def measure(clinic, slot, booking, runs: int) -> None:
    offering, whole = [], []
    queries = {}
    for run in range(runs + 1):
        savepoint = transaction.savepoint()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as cancelling:
            cancel_booking(booking=booking, by=Booking.CancelledBy.CLIENT, enforce_notice=False)
        cancelled = time.perf_counter()
        with CaptureQueriesContext(connection) as offered:
            offers = offer_freed_slots(slot_ids=[slot.pk])
        finished = time.perf_counter()
        made = sum(offer.status == Offer.Status.OFFERED for offer in offers)
        skipped = sum(offer.status == Offer.Status.SKIPPED for offer in offers)
        messages = Reminder.objects.filter(kind="waitlist_offer").count()
        transaction.savepoint_rollback(savepoint)
        if run == 0:
            continue  # warm-up
        offering.append((finished - cancelled) * 1000)
        whole.append((finished - started) * 1000)
        queries = {"offer": len(offered), "cancel": len(cancelling)}
    print(
        f"{clinic.get_waitlist_offers_display()}: {made} offered, {skipped} skipped "
        f"(safety), {messages} outbox rows; offering: median {support.median(offering):.1f} ms, "
        f"p95 {support.p95(offering):.1f} ms, {queries['offer']} queries; cancellation and "
        f"offering: median {support.median(whole):.1f} ms, p95 {support.p95(whole):.1f} ms, "
        f"{queries['offer'] + queries['cancel']} queries ({runs} runs)"
    )


def run(entries: int, runs: int) -> None:
    started = time.perf_counter()
    clinic, slot, booking = build(entries)
    print(
        f"entries: {entries} (set up in {time.perf_counter() - started:.1f} s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    for strategy in (Clinic.WaitlistOffers.IN_TURN, Clinic.WaitlistOffers.ALL_AT_ONCE):
        Clinic.objects.filter(pk=clinic.pk).update(waitlist_offers=strategy)
        clinic.refresh_from_db()
        slot.refresh_from_db()
        booking = Booking.objects.select_related("slot__therapist__clinic", "client").get(
            pk=booking.pk
        )
        measure(clinic, slot, booking, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    support.run_rolled_back(lambda: run(args.entries, args.runs))


if __name__ == "__main__":
    main()
