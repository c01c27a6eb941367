"""Her "My bookings" page and the booking page of one time, against the bare SQL of their rows.

Run on demand: ``.venv/bin/python benchmarks/client_pages.py [--sessions N] [--requests R]``.
It works in the database of ``DATABASE_URL`` inside one transaction that is rolled back at the
end, so it leaves nothing behind. She has a weekly plan of N sessions (26 by default) from
tomorrow, health answers that give each session a clearance flag and an adapt flag (a
clearance covering the first half), and three single sessions: one upcoming, one past, one
cancelled. For each page it reports the median and 95th-percentile server time, the query
count, the median time of the bare SQL that fetches the rows the page shows (the same
statements run straight on the connection's cursor, no models built), measured back to back
in the same run, and the ratio of the two. Target: each page within 5× its bare SQL.
"""

import argparse
import datetime as dt
import sys
import time

import support

support.setup_django()

from django.db import connection  # noqa: E402
from django.db.models import QuerySet  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from booking.models import Booking, Plan, PlannedSession, Slot  # noqa: E402
from booking.services import flags  # noqa: E402
from safety.models import Clearance, IntakeResponse, PregnancyProfile, SafetyFlag  # noqa: E402

RATIO_TARGET = 5


def book(client, therapist, starts_at, *, plan=None, status=Booking.Status.BOOKED) -> Booking:
    slot = Slot.objects.create(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )
    booking = Booking.objects.create(
        client=client,
        slot=slot,
        plan=plan,
        status=status,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
    )
    flags.write_flags(booking=booking)
    return booking


def build_client(sessions: int):
    """Her plan, her single sessions, and one free time next week for the booking page."""
    clinic, (therapist,) = support.create_clinic_with_therapists(therapists=1, workdays=5)
    stamp = time.monotonic_ns()
    mother = User.objects.create(email=f"bench-mother-{stamp}@example.com", first_name="Maya")
    today = clinic.today()
    PregnancyProfile.objects.create(
        client=mother,
        due_date=today + dt.timedelta(weeks=sessions, days=3),
        phone="+44 7400 900000",
        emergency_contact_name="Sam",
        emergency_contact_phone="+44 7400 900001",
    )
    IntakeResponse.objects.create(
        client=mother, conditions=["hypertension", "sciatica"], consent_given_at=timezone.now()
    )
    first_day = today + dt.timedelta(days=1)
    plan = Plan.objects.create(
        client=mother,
        therapist=therapist,
        weekdays=[first_day.weekday()],
        local_time=dt.time(10),
        starts_on=first_day,
        ends_on=first_day + dt.timedelta(weeks=sessions - 1),
    )
    at = {hour: dt.time(hour, tzinfo=clinic.tz) for hour in (10, 12, 15)}
    for n in range(sessions):
        day = first_day + dt.timedelta(weeks=n)
        book(mother, therapist, dt.datetime.combine(day, at[10]), plan=plan)
    book(mother, therapist, dt.datetime.combine(today + dt.timedelta(days=2), at[15]))
    book(mother, therapist, dt.datetime.combine(today - dt.timedelta(days=7), at[10]))
    book(
        mother,
        therapist,
        dt.datetime.combine(today + dt.timedelta(days=3), at[12]),
        status=Booking.Status.CANCELLED,
    )
    Clearance.objects.create(
        client=mother,
        code="hypertension",
        issued_by="Dr Ana Reyes, obstetrician",
        issued_on=today,
        valid_until=today + dt.timedelta(weeks=sessions // 2),
        recorded_by=therapist.user,
    )
    free = Slot.objects.create(
        therapist=therapist,
        starts_at=dt.datetime.combine(today + dt.timedelta(days=8), at[15]),
        ends_at=dt.datetime.combine(today + dt.timedelta(days=8), at[15]) + dt.timedelta(hours=1),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_booking, booking_slot, safety_safetyflag")
    return mother, free


def compiled(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.query.sql_with_params()


def my_bookings_rows(mother) -> list[tuple[str, tuple]]:
    """The rows "My bookings" shows: her sessions with therapist, clinic and plan, their open
    flags, her clearances and the planned dates of her plans."""
    bookings = Booking.objects.filter(client=mother).select_related(
        "slot__therapist__clinic", "plan"
    )
    return [
        compiled(bookings),
        compiled(SafetyFlag.objects.filter(booking__client=mother, closed_at__isnull=True)),
        compiled(Clearance.objects.filter(client=mother)),
        compiled(
            PlannedSession.objects.filter(
                plan__client=mother, plan__status=Plan.Status.ACTIVE
            ).exclude(status=PlannedSession.Status.BOOKED)
        ),
    ]


def slot_page_rows(mother, slot) -> list[tuple[str, tuple]]:
    """The rows the booking page reads: the time with its therapist and clinic, her due date,
    her latest answers and her clearances."""
    return [
        compiled(Slot.objects.filter(pk=slot.pk).select_related("therapist__clinic")),
        compiled(PregnancyProfile.objects.filter(client=mother)),
        compiled(IntakeResponse.objects.filter(client=mother).order_by("-created_at")[:1]),
        compiled(Clearance.objects.filter(client=mother)),
    ]


def time_bare_sql(statements: list[tuple[str, tuple]], requests: int) -> list[float]:
    """Milliseconds to run ``statements`` and fetch their rows, ``requests`` times, sorted."""
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


def measure(client: Client, url: str, requests: int) -> tuple[list[float], int, int]:
    timings = support.time_gets(client, url, requests)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return timings, len(captured), len(response.content)


def run(sessions: int, requests: int, targets: support.Targets) -> None:
    mother, free = build_client(sessions)
    her = Client()
    her.force_login(mother)
    pages = [
        ("my bookings", reverse("booking:my_bookings"), my_bookings_rows(mother)),
        ("booking page", reverse("booking:slot", args=[free.pk]), slot_page_rows(mother, free)),
    ]
    print(f"a plan of {sessions} sessions, three single sessions, {requests} requests each")
    for label, url, statements in pages:
        timings, queries, size = measure(her, url, requests)
        bare = time_bare_sql(statements, requests)
        ratio = support.median(timings) / support.median(bare)
        print(
            f"{label}: {queries} queries, {size / 1024:.0f} KiB, median "
            f"{support.median(timings):.2f} ms (p95 {support.p95(timings):.2f} ms); bare SQL "
            f"of its rows ({len(statements)} statements) median {support.median(bare):.2f} ms"
        )
        targets.at_most(f"{label}: ratio to its bare SQL", ratio, RATIO_TARGET, "×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=26)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    targets = support.Targets()
    support.run_rolled_back(lambda: run(args.sessions, args.requests, targets))
    sys.exit(targets.exit_code())


if __name__ == "__main__":
    main()
