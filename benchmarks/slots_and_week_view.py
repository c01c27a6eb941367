"""Lay out 8 weeks of slots for 20 and for 200 therapists (timed), then time the clinic's week view.

Run on demand: ``.venv/bin/python benchmarks/slots_and_week_view.py [--therapists N ...]
[--weeks W] [--requests R]``. It works in the database of ``DATABASE_URL`` inside one
transaction that is rolled back at the end, so it leaves nothing behind. Each therapist
works Monday to Friday 09:00–13:00 and 14:00–18:00 (six sessions a day); every third slot
is booked, one afternoon each is blocked. For each clinic size it reports the time to lay out
the slots, the time of a second (idempotent) run, and for the week view (its first page of
therapists) the median and 95th-percentile server time, the query count, the size of the
largest page of therapists, and the bare SQL that fetches the rows the page shows (its
therapists, and their slots with each booking's client and safety), measured in the same run,
with the ratio of the two. Targets (the issue's): at any clinic size the week view answers in
at most 150 ms with at most 150 KB of HTML, and its pages reach every therapist.
"""

import argparse
import datetime as dt
import re
import sys
import time

import support

support.setup_django()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from backoffice.schedule import (  # noqa: E402
    THERAPISTS_PER_PAGE,
    monday_of,
    slots_between,
    therapists_on_schedule,
    with_active_booking,
    with_session_safety,
)
from booking.models import Slot  # noqa: E402
from booking.services.slots import generate_slots  # noqa: E402
from clinics.models import Clinic, Therapist  # noqa: E402

MILLISECONDS_TARGET = 150
KB_TARGET = 150
THERAPIST_HEADING = re.compile(rb'<h2 id="therapist-(\d+)"')
NEXT_THERAPISTS = b'Next <span class="visually-hidden">therapists'


def build_clinic(therapists: int) -> tuple[Clinic, User, list[Therapist]]:
    clinic, staff = support.create_clinic_with_therapists(therapists=therapists, workdays=5)
    admin = User.objects.create_user(email=f"bench-admin-{clinic.slug}@example.com")
    clinic.admins.add(admin)
    return clinic, admin, staff


def book_and_block(clinic: Clinic, staff: list[Therapist], monday: dt.date) -> None:
    support.book_every_third_slot(staff, starting_after=timezone.now())
    blocked_day = monday + dt.timedelta(days=2)
    slots_between(clinic=clinic, first=blocked_day, last=blocked_day).filter(
        starts_at__hour__gte=13
    ).update(status=Slot.Status.BLOCKED, block_reason="Training")


def bare_week_statements(clinic: Clinic, monday: dt.date) -> list[tuple[str, tuple]]:
    """The SQL of the rows the first page shows: its therapists, then their week's slots with
    each active booking's client and safety."""
    therapists = therapists_on_schedule(clinic=clinic, monday=monday).order_by(
        "display_name", "pk"
    )[:THERAPISTS_PER_PAGE]
    slots = with_session_safety(
        with_active_booking(
            slots_between(clinic=clinic, first=monday, last=monday + dt.timedelta(6)).filter(
                therapist__in=list(therapists.values_list("pk", flat=True))
            )
        ),
        clinic,
    )
    return [therapists.query.sql_with_params(), slots.query.sql_with_params()]


def time_bare_sql(statements: list[tuple[str, tuple]], requests: int) -> list[float]:
    timings = []
    with connection.cursor() as cursor:
        for round_ in range(requests + 5):
            started = time.perf_counter()
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
            if round_ >= 5:
                timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def walk_pages(client: Client, url: str) -> tuple[set[int], int, int]:
    """Follow "Next" from the first page: the therapists shown, the pages, the largest page."""
    shown, pages, largest = set(), 0, 0
    number = 1
    while True:
        response = client.get(f"{url}&page={number}", secure=True)
        pages += 1
        largest = max(largest, len(response.content))
        shown |= {int(pk) for pk in THERAPIST_HEADING.findall(response.content)}
        if NEXT_THERAPISTS not in response.content:
            return shown, pages, largest
        number += 1


def run(therapists: int, weeks: int, requests: int, targets: support.Targets) -> None:
    clinic, admin, staff = build_clinic(therapists)
    today = timezone.localdate(timezone=clinic.tz)
    end = today + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)

    started = time.perf_counter()
    created = sum(len(generate_slots(therapist=t, start=today, end=end)) for t in staff)
    generate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    again = sum(len(generate_slots(therapist=t, start=today, end=end)) for t in staff)
    rerun_seconds = time.perf_counter() - started

    monday = monday_of(today) + dt.timedelta(weeks=1)
    book_and_block(clinic, staff, monday)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_slot, booking_booking, clinics_therapist")

    client = Client()
    support.log_in_staff(client, admin)
    url = f"{reverse('schedule:week', args=[clinic.slug])}?week={monday}"
    ms = support.time_gets(client, url, requests, secure=True)
    # Laying out logs more queries than the log keeps; a full log would count none.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, secure=True)
    bare = time_bare_sql(bare_week_statements(clinic, monday), requests)
    cells = response.content.count(b"data-state=")
    shown, pages, largest = walk_pages(client, url)
    ratio = support.median(ms) / support.median(bare)

    print(f"therapists: {therapists}, weeks: {weeks}")
    print(
        f"  generate_slots: {created} slots in {generate_seconds:.2f} s "
        f"({created / generate_seconds:,.0f} slots/s)"
    )
    print(f"  generate_slots again (idempotent): {again} new slots in {rerun_seconds:.2f} s")
    print(
        f"  week view, first page: {cells} slots shown, {len(queries)} queries, "
        f"{len(response.content) / 1000:.0f} KB of HTML; {pages} pages reach "
        f"{len(shown)} of {therapists} therapists, the largest {largest / 1000:.0f} KB"
    )
    print(
        f"  week view server time over {requests} requests: median {support.median(ms):.1f} ms, "
        f"p95 {support.p95(ms):.1f} ms; bare SQL of its rows: median "
        f"{support.median(bare):.1f} ms; ratio {ratio:.1f}×"
    )
    targets.at_most(
        f"week view at {therapists} therapists: median time",
        support.median(ms),
        MILLISECONDS_TARGET,
        " ms",
    )
    targets.at_most(
        f"week view at {therapists} therapists: largest page", largest / 1000, KB_TARGET, " KB"
    )
    targets.at_least(
        f"week view at {therapists} therapists: therapists its pages reach",
        len(shown),
        therapists,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapists", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    targets = support.Targets()
    for therapists in args.therapists:
        support.run_rolled_back(lambda n=therapists: run(n, args.weeks, args.requests, targets))
    sys.exit(targets.exit_code())


if __name__ == "__main__":
    main()
