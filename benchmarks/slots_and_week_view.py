"""Lay out 8 weeks of slots for 20 therapists (timed), then time the clinic's week view.

Run on demand: ``.venv/bin/python benchmarks/slots_and_week_view.py [--therapists N]
[--weeks W] [--requests R]``. It works in the database of ``DATABASE_URL`` inside one
transaction that is rolled back at the end, so it leaves nothing behind. Each therapist
works Monday to Friday 09:00–13:00 and 14:00–18:00 (six sessions a day); every third slot
is booked, one afternoon each is blocked. It reports the time to lay out the slots, the
time of a second (idempotent) run, and for the week view the median and 95th-percentile
server time, the query count, and the bare SQL that fetches the same slots for scale.
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

from accounts.models import User  # noqa: E402
from backoffice.schedule import monday_of, slots_between, with_active_booking  # noqa: E402
from booking.models import Slot  # noqa: E402
from booking.services.slots import generate_slots  # noqa: E402
from clinics.models import Clinic, Therapist  # noqa: E402


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


def run(therapists: int, weeks: int, requests: int) -> None:
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

    client = Client()
    support.log_in_staff(client, admin)
    url = f"{reverse('schedule:week', args=[clinic.slug])}?week={monday}"
    ms = support.time_gets(client, url, requests, secure=True)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, secure=True)
    cells = response.content.count(b"data-state=")

    sql_timings = []
    slots = with_active_booking(
        slots_between(clinic=clinic, first=monday, last=monday + dt.timedelta(6))
    )
    for _ in range(requests):
        started = time.perf_counter()
        list(slots.values_list("pk", "starts_at", "status", "client_first_name"))
        sql_timings.append(time.perf_counter() - started)

    print(f"therapists: {therapists}, weeks: {weeks}")
    print(
        f"generate_slots: {created} slots in {generate_seconds:.2f} s "
        f"({created / generate_seconds:,.0f} slots/s)"
    )
    print(f"generate_slots again (idempotent): {again} new slots in {rerun_seconds:.2f} s")
    print(
        f"week view: {cells} slots shown, {len(queries)} queries, "
        f"{len(response.content) / 1024:.0f} KiB of HTML"
    )
    print(
        f"week view server time over {requests} requests: median {support.median(ms):.1f} ms, "
        f"p95 {support.p95(ms):.1f} ms"
    )
    print(f"bare SQL for the same slots: median {support.median(sql_timings) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapists", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    support.run_rolled_back(lambda: run(args.therapists, args.weeks, args.requests))


if __name__ == "__main__":
    main()
