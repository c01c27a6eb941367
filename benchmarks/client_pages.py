"""Her "My bookings" page and the booking page of one time, against the bare SQL of their rows.

Run on demand: ``.venv/bin/python benchmarks/client_pages.py [--sessions N] [--requests R]``.
It works in the database of ``DATABASE_URL`` inside one transaction that is rolled back at the
end, so it leaves nothing behind. She has a weekly plan of N sessions (26 by default) from
tomorrow, health answers that give each session a clearance flag and an adapt flag (a
clearance covering the first half), and three single sessions: one upcoming, one past, one
cancelled. For each page it reports the median and 95th-percentile server time, the query
count, and the median time of the bare SQL the page's answer rests on: her session and user
rows, which every page of hers needs to know her, and the rows the page shows; the same
statements run straight on the connection's cursor with no models built. Page and bare SQL
are timed in turns, request by request, so both see the same load. Target: each page within
5× its bare SQL. The ratio to the rows shown alone is printed too, for scale.
"""

import argparse
import datetime as dt
import sys
import time

import support

support.setup_django()

from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
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


def identity_rows(her: Client, mother) -> list[tuple[str, tuple]]:
    """Her session and her user row: what any of her pages reads before its own rows."""
    session = Session.objects.filter(
        session_key=her.session.session_key, expire_date__gt=timezone.now()
    )
    return [compiled(session), compiled(User.objects.filter(pk=mother.pk))]


def my_bookings_rows(mother) -> list[tuple[str, tuple]]:
    """The rows "My bookings" shows, only the columns it shows: her sessions with therapist,
    clinic and plan, their open flags, her clearances and the planned dates of her plans."""
    sessions = Booking.objects.filter(client=mother).values_list(
        "pk",
        "status",
        "starts_at",
        "ends_at",
        "change_grace_until",
        "plan_id",
        "plan__status",
        "plan__therapist__display_name",
        "slot__therapist__display_name",
        "slot__therapist__clinic__name",
        "slot__therapist__clinic__phone",
        "slot__therapist__clinic__time_zone",
        "slot__therapist__clinic__cancellation_notice_hours",
    )
    flags = SafetyFlag.objects.filter(booking__client=mother, closed_at__isnull=True).values_list(
        "booking_id", "code", "severity", "title", "client_message"
    )
    planned = (
        PlannedSession.objects.filter(plan__client=mother, plan__status=Plan.Status.ACTIVE)
        .exclude(status=PlannedSession.Status.BOOKED)
        .values_list("starts_at", "status", "reason", "plan_id", "plan__therapist__display_name")
    )
    clearances = Clearance.objects.filter(client=mother).values_list(
        "code", "issued_on", "valid_until"
    )
    return [compiled(rows) for rows in (sessions, flags, clearances, planned)]


def slot_page_rows(mother, slot) -> list[tuple[str, tuple]]:
    """The rows the booking page shows and checks, only their columns: the time with its
    therapist and clinic, her due date, her latest answers and her clearances."""
    time_and_place = Slot.objects.filter(pk=slot.pk).values_list(
        "starts_at",
        "ends_at",
        "therapist__display_name",
        "therapist__clinic__name",
        "therapist__clinic__slug",
        "therapist__clinic__address",
        "therapist__clinic__phone",
        "therapist__clinic__time_zone",
        "therapist__clinic__raised_severities",
    )
    profile = PregnancyProfile.objects.filter(client=mother).values_list(
        "due_date", "birth_date", "delivery"
    )
    answers = (
        IntakeResponse.objects.filter(client=mother)
        .order_by("-created_at")
        .values_list("conditions")[:1]
    )
    clearances = Clearance.objects.filter(client=mother).values_list("code")
    return [compiled(rows) for rows in (time_and_place, profile, answers, clearances)]


def run_statements(cursor, statements: list[tuple[str, tuple]]) -> float:
    """Milliseconds to run ``statements`` and fetch their rows."""
    started = time.perf_counter()
    for sql, params in statements:
        cursor.execute(sql, params)
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def time_in_turns(
    client: Client, url: str, bare: list[tuple[str, tuple]], shown: list[tuple[str, tuple]], n: int
) -> tuple[list[float], list[float], list[float]]:
    """``n`` requests of ``url``, each followed by the bare SQL (all of it, then the rows shown
    alone), after five warm-up rounds: three sorted lists of milliseconds."""
    page_ms, bare_ms, shown_ms = [], [], []
    with connection.cursor() as cursor:
        for round_ in range(n + 5):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200
            bare_elapsed = run_statements(cursor, bare)
            shown_elapsed = run_statements(cursor, shown)
            if round_ >= 5:
                page_ms.append(elapsed)
                bare_ms.append(bare_elapsed)
                shown_ms.append(shown_elapsed)
    return sorted(page_ms), sorted(bare_ms), sorted(shown_ms)


def run(sessions: int, requests: int, targets: support.Targets) -> None:
    mother, free = build_client(sessions)
    her = Client()
    her.force_login(mother)
    identity = identity_rows(her, mother)
    pages = [
        ("my bookings", reverse("booking:my_bookings"), my_bookings_rows(mother)),
        ("booking page", reverse("booking:slot", args=[free.pk]), slot_page_rows(mother, free)),
    ]
    print(f"a plan of {sessions} sessions, three single sessions, {requests} requests each")
    for label, url, shown in pages:
        # Setting her up logs more queries than the log keeps; a full log would count none.
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            size = len(her.get(url).content)
        # Counted now: the next request starts a new query log.
        query_count = len(captured)
        page_ms, bare_ms, shown_ms = time_in_turns(her, url, identity + shown, shown, requests)
        page, bare = support.median(page_ms), support.median(bare_ms)
        print(
            f"{label}: {query_count} queries, {size / 1024:.0f} KiB, median {page:.2f} ms "
            f"(p95 {support.p95(page_ms):.2f} ms); bare SQL of who she is and the rows "
            f"shown ({len(identity) + len(shown)} statements) median {bare:.2f} ms; "
            f"the rows shown alone {support.median(shown_ms):.2f} ms "
            f"({page / support.median(shown_ms):.1f}×)"
        )
        targets.at_most(f"{label}: ratio to its bare SQL", page / bare, RATIO_TARGET, "×")


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
