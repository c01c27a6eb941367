"""Slot search for a clinic with 20 therapists × 8 weeks of slots: the public day view, timed.

Run on demand: ``.venv/bin/python benchmarks/slot_search.py [--therapists N] [--weeks W]
[--requests R]``. It works in the database of ``DATABASE_URL`` inside one transaction that is
rolled back at the end, so it leaves nothing behind. Each therapist works Monday to Saturday
09:00–13:00 and 14:00–18:00; every third slot is booked. For the clinic page's slot picker
(any therapist, and one therapist) it reports the median and 95th-percentile server time
(request through middleware, views, queries and template) and the query count, and, in the
same run, the bare SQL that fetches the same day's free slots. Target: a fixed number of
queries and a median of at most 10 ms, within a small multiple of the bare SQL.
"""

import argparse
import datetime as dt
import time

import support

support.setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from booking import queries  # noqa: E402
from booking.models import Booking, Slot  # noqa: E402
from booking.services.slots import generate_slots  # noqa: E402
from clinics.models import Clinic, Therapist, WorkingHours  # noqa: E402

HOURS = [(dt.time(9), dt.time(13)), (dt.time(14), dt.time(18))]

# The bare query: one local day's free slots of the clinic's active therapists, with names.
BARE_SQL = """
SELECT s.id, s.starts_at, t.display_name
FROM booking_slot s
JOIN clinics_therapist t ON t.id = s.therapist_id
WHERE t.clinic_id = %s AND t.is_active AND s.status = 'open'
  AND s.starts_at >= %s AND s.starts_at < %s AND s.starts_at > now()
  AND NOT EXISTS (
    SELECT 1 FROM booking_booking b WHERE b.slot_id = s.id AND b.status = 'booked'
  )
ORDER BY s.starts_at, t.display_name
"""


def build_clinic(therapists: int, weeks: int) -> tuple[Clinic, list[Therapist], int]:
    stamp = time.monotonic_ns()
    clinic = Clinic.objects.create(
        name="Benchmark Clinic",
        slug=f"benchmark-{stamp}",
        address="1 Test Street\nLondon",
        phone="+44 20 0000 0000",
        email="bench@example.com",
        time_zone="Europe/London",
        booking_horizon_weeks=weeks,
    )
    people = User.objects.bulk_create(
        User(email=f"bench-therapist-{stamp}-{n}@example.com", first_name=f"T{n}")
        for n in range(therapists)
    )
    staff = Therapist.objects.bulk_create(
        Therapist(user=user, clinic=clinic, display_name=f"Therapist {n:02d}", slug=f"t-{n}")
        for n, user in enumerate(people)
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=weekday, starts_at=start, ends_at=end)
        for therapist in staff
        for weekday in range(6)
        for start, end in HOURS
    )
    today = queries.clinic_today(clinic)
    end = today + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)
    created = sum(len(generate_slots(therapist=t, start=today, end=end)) for t in staff)
    clients = User.objects.bulk_create(
        User(email=f"bench-client-{stamp}-{n}@example.com", first_name=f"C{n}")
        for n in range(therapists)
    )
    bookings = []
    for therapist, client in zip(staff, clients, strict=True):
        slots = Slot.objects.filter(therapist=therapist).order_by("starts_at")
        bookings += [
            Booking(client=client, slot=s, starts_at=s.starts_at, ends_at=s.ends_at)
            for s in list(slots)[::3]
        ]
    Booking.objects.bulk_create(bookings, batch_size=1000)
    # Fresh rows have no planner statistics yet; autovacuum would gather them in production.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_slot, booking_booking, clinics_therapist, clinics_clinic")
    return clinic, staff, created


def time_requests(client: Client, url: str, params: dict, requests: int) -> tuple[list, int, int]:
    timings = support.time_gets(client, url, requests, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    shown = response.content.count(b'href="/book/time/')
    return timings, len(captured), shown


def time_bare_sql(clinic: Clinic, day: dt.date, requests: int) -> tuple[list, int]:
    start, end = queries.local_day_bounds(day, clinic.tz)
    timings = []
    with connection.cursor() as cursor:
        for _ in range(requests):
            started = time.perf_counter()
            cursor.execute(BARE_SQL, [clinic.pk, start, end])
            rows = cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings), len(rows)


def run(therapists: int, weeks: int, requests: int) -> None:
    started = time.perf_counter()
    clinic, staff, created = build_clinic(therapists, weeks)
    print(
        f"therapists: {therapists}, weeks: {weeks}, slots: {created} "
        f"(every third booked; set up in {time.perf_counter() - started:.1f} s)"
    )
    day = queries.clinic_today(clinic) + dt.timedelta(days=7)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    url = reverse("booking:clinic", kwargs={"slug": clinic.slug})
    client = Client()

    bare, rows = time_bare_sql(clinic, day, requests)
    print(
        f"bare SQL, free slots of {day:%a %d %b} (any therapist): {rows} rows, "
        f"median {support.median(bare):.2f} ms, p95 {support.p95(bare):.2f} ms"
    )
    for label, params in (
        ("any therapist", {"day": day.isoformat()}),
        ("one therapist", {"day": day.isoformat(), "therapist": staff[0].slug}),
    ):
        timings, query_count, shown = time_requests(client, url, params, requests)
        median = support.median(timings)
        print(
            f"day view, {label}: {shown} times shown, {query_count} queries, "
            f"median {median:.2f} ms, p95 {support.p95(timings):.2f} ms over {requests} requests "
            f"({median / support.median(bare):.1f}× the bare SQL)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapists", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    support.run_rolled_back(lambda: run(args.therapists, args.weeks, args.requests))


if __name__ == "__main__":
    main()
