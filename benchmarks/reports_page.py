"""The clinic reports page for 20 therapists and a year of bookings (≈ 40,000), timed.

Run on demand: ``.venv/bin/python benchmarks/reports_page.py [--therapists N] [--weeks W]
[--requests R]``. It works in the database of ``DATABASE_URL`` inside one transaction that is
rolled back at the end, so it leaves nothing behind. Each therapist has eight one-hour slots a
day, Monday to Saturday, for the past ``weeks`` weeks; about four in five are booked, by 800
clients (a quarter of them on weekly plans), and marked attended, no-show, cancelled late or
not at all. As the clinic's admin it requests the reports page for the default eight weeks
and for the whole year, and reports the median and 95th-percentile server time (middleware,
view, queries, SVG and template) and the query count of each. Target: under 200 ms and the
same number of queries whatever the range.
"""

import argparse
import datetime as dt
import os
import random
import time

import support

support.setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from booking.models import Booking, Plan, Slot  # noqa: E402
from frontdesk.reports import clinic_report  # noqa: E402
from safety.models import PregnancyProfile  # noqa: E402

HOURS = [9, 10, 11, 12, 14, 15, 16, 17]
CLIENTS = 800
# Of every 100 slots: booked and attended, no-show, cancelled late, booked but not marked.
OUTCOMES = [("attended", 66), ("no_show", 5), ("cancelled_late", 4), ("", 5)]


def build(therapists: int, weeks: int) -> tuple:
    clinic, staff = support.create_clinic_with_therapists(therapists=therapists, workdays=6)
    admin = User.objects.create(email=f"bench-admin-{time.monotonic_ns()}@example.com")
    clinic.admins.add(admin)
    today = clinic.today()
    first_day = today - dt.timedelta(weeks=weeks)
    slots = Slot.objects.bulk_create(
        (
            Slot(
                therapist=therapist,
                starts_at=(starts := dt.datetime.combine(day, dt.time(hour), tzinfo=clinic.tz)),
                ends_at=starts + dt.timedelta(hours=1),
            )
            for therapist in staff
            for day in (first_day + dt.timedelta(days=n) for n in range(weeks * 7))
            if day.weekday() < 6 and day < today
            for hour in HOURS
        ),
        batch_size=5000,
    )
    stamp = time.monotonic_ns()
    clients = User.objects.bulk_create(
        User(email=f"bench-mother-{stamp}-{n}@example.com", first_name=f"Mother{n}")
        for n in range(CLIENTS)
    )
    random.seed(13)
    PregnancyProfile.objects.bulk_create(
        PregnancyProfile(
            client=client,
            due_date=first_day + dt.timedelta(days=random.randint(60, 400)),
            phone="+44 7400 900000",
        )
        for client in clients
    )
    plans = Plan.objects.bulk_create(
        Plan(
            client=clients[n],
            therapist=staff[n % len(staff)],
            weekdays=[0, 3],
            local_time=dt.time(10),
            starts_on=first_day,
            ends_on=today + dt.timedelta(weeks=8),
        )
        for n in range(CLIENTS // 4)
    )
    outcomes = [outcome for outcome, share in OUTCOMES for _ in range(share)]
    per_therapist = len(slots) // len(staff)
    bookings = []
    for n, slot in enumerate(slots):
        if n % 100 >= len(outcomes):
            continue  # one in five stays free
        outcome = outcomes[n % 100]
        # Slots come therapist by therapist in the same order of times, so the n-th time of
        # each therapist goes to a different client: nobody has two sessions at once.
        therapist_index, time_index = divmod(n, per_therapist)
        client_index = (time_index * len(staff) + therapist_index) % CLIENTS
        bookings.append(
            Booking(
                client=clients[client_index],
                slot=slot,
                plan=plans[client_index] if client_index < len(plans) else None,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                status="cancelled" if outcome == "cancelled_late" else "booked",
                attendance=outcome,
            )
        )
    Booking.objects.bulk_create(bookings, batch_size=5000)
    # Fresh rows have no planner statistics yet; autovacuum would gather them in production.
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE booking_slot, booking_booking, booking_plan, clinics_therapist, "
            "safety_pregnancyprofile, accounts_user"
        )
    return clinic, admin, len(slots), len(bookings)


def time_bare_sql(statements: list[str], requests: int) -> list[float]:
    """Milliseconds to run the page's own SQL statements, one after the other, sorted."""
    timings = []
    with connection.cursor() as cursor:
        for _ in range(requests):
            started = time.perf_counter()
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def run(therapists: int, weeks: int, requests: int) -> None:
    started = time.perf_counter()
    clinic, admin, slot_count, booking_count = build(therapists, weeks)
    print(
        f"therapists: {therapists}, weeks: {weeks}, slots: {slot_count}, bookings: "
        f"{booking_count} (set up in {time.perf_counter() - started:.1f} s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    client = Client()
    support.log_in_staff(client, admin)
    url = reverse("frontdesk:reports", kwargs={"slug": clinic.slug})
    today = clinic.today()
    ranges = {
        "default eight weeks": {},
        "the whole year": {
            "start": (today - dt.timedelta(weeks=weeks)).isoformat(),
            "end": today.isoformat(),
        },
    }
    for label, params in ranges.items():
        timings = support.time_gets(client, url, requests, params)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200
        first = dt.date.fromisoformat(params.get("start", "")) if params else None
        report = clinic_report(
            clinic=clinic,
            first=first or today - dt.timedelta(days=today.weekday(), weeks=7),
            last=dt.date.fromisoformat(params["end"]) if params else today,
        )
        weekly = report.table("weekly").rows
        shown = sum(int(row[1]) for row in weekly)
        bare = time_bare_sql([query["sql"] for query in captured.captured_queries], requests)
        median = support.median(timings)
        print(
            f"reports page, {label}: {len(weekly)} weeks, {shown} sessions counted, "
            f"{len(captured)} queries, median {median:.1f} ms, "
            f"p95 {support.p95(timings):.1f} ms over {requests} requests; "
            f"the same SQL alone: median {support.median(bare):.1f} ms "
            f"({median / support.median(bare):.1f}×)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapists", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    support.run_rolled_back(lambda: run(args.therapists, args.weeks, args.requests))


if __name__ == "__main__":
    main()
