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
from django.utils import timezone  # noqa: E402

from booking.services.slots import generate_slots  # noqa: E402
from clinics.models import Clinic, Therapist  # noqa: E402

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
    clinic, staff = support.create_clinic_with_therapists(
        therapists=therapists, workdays=6, booking_horizon_weeks=weeks
    )
    today = clinic.today()
    end = today + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)
    created = sum(len(generate_slots(therapist=t, start=today, end=end)) for t in staff)
    support.book_every_third_slot(staff, starting_after=timezone.now())
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
    start, end = clinic.day_bounds(day)
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
    day = clinic.today() + dt.timedelta(days=7)
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
