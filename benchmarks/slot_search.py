"""Slot search: the client's day view (the clinic page's slot picker), timed against its bare SQL.

Run on demand: ``.venv/bin/python benchmarks/slot_search.py [--therapists N] [--weeks W]
[--requests R] [--large L]``. It works in the database of ``DATABASE_URL`` inside one
transaction that is rolled back at the end, so it leaves nothing behind. Each therapist works
Monday to Saturday 09:00–13:00 and 14:00–18:00; every third slot is booked.

For a clinic of N therapists (20) it times the day view for any therapist and for one
therapist, each request alternating with the bare SQL that fetches the same day's free slots
with the therapists' names, so both see the same load; it reports the medians, their ratio
and the query count. Then it times the picker at a clinic of L therapists (200) and weighs
the page. Targets (the speed issue): the day view at most 5× its bare SQL; the picker at
200 therapists within 60 ms and 80 KB. It exits non-zero when one is missed.
"""

import argparse
import datetime as dt
import sys
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
from common.db import prepared_cursor  # noqa: E402

# The bare query: one local day's free slots of the clinic's active therapists (or of one
# therapist), with names.
BARE_SQL = """
SELECT s.id, s.starts_at, t.display_name
FROM booking_slot s
JOIN clinics_therapist t ON t.id = s.therapist_id
WHERE t.clinic_id = %s AND t.is_active AND s.status = 'open' {therapist}
  AND s.starts_at >= %s AND s.starts_at < %s AND s.starts_at > now()
  AND NOT EXISTS (
    SELECT 1 FROM booking_booking b WHERE b.slot_id = s.id AND b.status = 'booked'
  )
ORDER BY s.starts_at, t.display_name
"""
DAY_VIEW_RATIO_TARGET = 5
LARGE_PICKER_MS_TARGET = 60
LARGE_PICKER_KB_TARGET = 80


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


def bare_sql(clinic: Clinic, day: dt.date, therapist: Therapist | None, *, prepared=False):
    """A callable running the bare query for ``day`` (and ``therapist``); it returns the rows.
    ``prepared``: sent as the page sends its own reads, planned once (for comparison only)."""
    start, end = clinic.day_bounds(day)
    sql = BARE_SQL.format(therapist="AND t.id = %s" if therapist else "")
    params = [clinic.pk, *([therapist.pk] if therapist else []), start, end]
    cursor_for = prepared_cursor if prepared else connection.cursor

    def run() -> list:
        with cursor_for() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def elapsed_ms(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def time_against_bare(client: Client, url: str, params: dict, bare, requests: int):
    """Medians (ms) of the page and of its bare SQL, each request followed by one bare query
    so that both are measured under the same load; and the page's last response."""
    for _ in range(5):
        assert client.get(url, params).status_code == 200
        bare()
    page_times, bare_times = [], []
    for _ in range(requests):
        page_times.append(elapsed_ms(lambda: client.get(url, params)))
        bare_times.append(elapsed_ms(bare))
    return support.median(page_times), support.median(bare_times), support.p95(page_times)


def queries_and_page(client: Client, url: str, params: dict):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), response.content


def slot_indexes_used(client: Client, url: str, params: dict) -> str:
    """The indexes of ``booking_slot`` in the plans of the page's queries, from EXPLAIN."""
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    used = set()
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            for (line,) in cursor.fetchall():
                if " on booking_slot" in line and " using " in line:
                    used.add(line.split(" using ")[1].split()[0])
    return ", ".join(sorted(used)) or "none"


def times_shown(page: bytes) -> int:
    return page.count(b'href="/book/time/')


def weekday_in_a_week(clinic: Clinic) -> dt.date:
    day = clinic.today() + dt.timedelta(days=7)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    return day


def day_view_against_bare_sql(therapists: int, weeks: int, requests: int, targets) -> None:
    started = time.perf_counter()
    clinic, staff, created = build_clinic(therapists, weeks)
    print(
        f"therapists: {therapists}, weeks: {weeks}, slots: {created} "
        f"(every third booked; set up in {time.perf_counter() - started:.1f} s)"
    )
    day = weekday_in_a_week(clinic)
    url = reverse("booking:clinic", kwargs={"slug": clinic.slug})
    client = Client()
    for label, therapist in (("any therapist", None), ("one therapist", staff[0])):
        params = {"day": day.isoformat(), **({"therapist": therapist.slug} if therapist else {})}
        bare = bare_sql(clinic, day, therapist)
        page_ms, bare_ms, page_p95 = time_against_bare(client, url, params, bare, requests)
        query_count, page = queries_and_page(client, url, params)
        print(
            f"day view of {day:%a %d %b}, {label}: {times_shown(page)} times "
            f"shown ({len(bare())} rows in the bare SQL), {query_count} queries, "
            f"median {page_ms:.2f} ms (p95 {page_p95:.2f}), bare SQL median {bare_ms:.2f} ms"
        )
        prepared = bare_sql(clinic, day, therapist, prepared=True)
        prepared_ms = support.median([elapsed_ms(prepared) for _ in range(requests)])
        print(
            f"  the bare SQL prepared too, as the page's reads are: median {prepared_ms:.2f} ms "
            f"(page ÷ it: {page_ms / prepared_ms:.1f}×, for comparison; the target is on the above)"
        )
        targets.at_most(
            f"day view, {label}, ÷ its bare SQL", page_ms / bare_ms, DAY_VIEW_RATIO_TARGET, "×"
        )


def large_picker(therapists: int, weeks: int, requests: int, targets) -> None:
    started = time.perf_counter()
    clinic, staff, created = build_clinic(therapists, weeks)
    print(
        f"therapists: {therapists}, weeks: {weeks}, slots: {created} "
        f"(set up in {time.perf_counter() - started:.1f} s)"
    )
    day = weekday_in_a_week(clinic)
    url = reverse("booking:clinic", kwargs={"slug": clinic.slug})
    params = {"day": day.isoformat()}
    client = Client()
    bare = bare_sql(clinic, day, None)
    page_ms, bare_ms, page_p95 = time_against_bare(client, url, params, bare, requests)
    query_count, page = queries_and_page(client, url, params)
    size_kb = len(page) / 1024
    print(
        f"slot picker at {therapists} therapists, {day:%a %d %b}: "
        f"{times_shown(page)} times shown, {query_count} queries, "
        f"{size_kb:.1f} KB, median {page_ms:.2f} ms (p95 {page_p95:.2f}); bare SQL of all "
        f"{len(bare())} free slots that day: median {bare_ms:.2f} ms"
    )
    print(
        f"  indexes of booking_slot in the page's plans: {slot_indexes_used(client, url, params)}"
    )
    targets.at_most(
        f"slot picker at {therapists} therapists, median", page_ms, LARGE_PICKER_MS_TARGET, " ms"
    )
    targets.at_most(
        f"slot picker at {therapists} therapists, size", size_kb, LARGE_PICKER_KB_TARGET, " KB"
    )


def run(args, targets) -> None:
    day_view_against_bare_sql(args.therapists, args.weeks, args.requests, targets)
    large_picker(args.large, args.weeks, max(args.requests // 2, 10), targets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapists", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--large", type=int, default=200, help="therapists of the large clinic")
    args = parser.parse_args()
    targets = support.Targets()
    support.run_rolled_back(lambda: run(args, targets))
    sys.exit(targets.exit_code())


if __name__ == "__main__":
    main()
