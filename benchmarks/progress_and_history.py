"""Her progress chart over a 26-session plan and the therapist's pages with her full history.

Run on demand: ``.venv/bin/python benchmarks/progress_and_history.py [--sessions N]
[--requests R]``. It works in the database of ``DATABASE_URL`` inside one transaction that is
rolled back at the end, so it leaves nothing behind. She has a weekly plan of N sessions (26 by
default) that ended last week, each with a check-in and a signed note (every fifth amended),
and one more session tomorrow. It reports the median and 95th-percentile server time and the
query count of: her plan page (the chart and its table), the therapist's session page (with
her last three sessions), the session's check-in and notes page, and the therapist's view of
her progress; and, alone, the chart with its table as the plan page renders it (its share of
that page). Target: a fixed number of queries whatever N, and the chart a small share of the
plan page.
"""

import argparse
import datetime as dt
import time

import support

support.setup_django()

from django.db import connection  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from booking.models import Booking, Plan, Slot  # noqa: E402
from booking.services import flags  # noqa: E402
from care.models import CheckIn, TreatmentNote  # noqa: E402
from safety.models import IntakeResponse, PregnancyProfile  # noqa: E402


def book(client, therapist, starts_at, plan=None) -> Booking:
    slot = Slot.objects.create(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )
    booking = Booking.objects.create(
        client=client, slot=slot, plan=plan, starts_at=slot.starts_at, ends_at=slot.ends_at
    )
    flags.write_flags(booking=booking)
    return booking


def build_history(sessions: int):
    clinic, (therapist,) = support.create_clinic_with_therapists(therapists=1, workdays=5)
    stamp = time.monotonic_ns()
    mother = User.objects.create(email=f"bench-mother-{stamp}@example.com", first_name="Maya")
    today = clinic.today()
    PregnancyProfile.objects.create(
        client=mother,
        due_date=today + dt.timedelta(weeks=2),
        phone="+44 7400 900000",
        emergency_contact_name="Sam",
        emergency_contact_phone="+44 7400 900001",
    )
    IntakeResponse.objects.create(
        client=mother, conditions=["sciatica"], consent_given_at=timezone.now()
    )
    first_day = today - dt.timedelta(weeks=sessions)
    plan = Plan.objects.create(
        client=mother,
        therapist=therapist,
        weekdays=[first_day.weekday()],
        local_time=dt.time(10),
        starts_on=first_day,
        ends_on=today - dt.timedelta(days=1),
    )
    at_ten = dt.time(10, tzinfo=clinic.tz)
    past = [
        book(
            mother, therapist, dt.datetime.combine(first_day + dt.timedelta(weeks=n), at_ten), plan
        )
        for n in range(sessions)
    ]
    for n, booking in enumerate(past):
        CheckIn.objects.create(
            booking=booking,
            client=mother,
            pain=8 - n % 5,
            pain_areas=["buttock", "back_of_thigh"],
            sleep_effect="some",
            walking_effect="some",
            recorded_by=mother,
        )
        for version in (1, 2) if n % 5 == 0 else (1,):
            TreatmentNote.objects.create(
                booking=booking,
                client=mother,
                clinic=clinic,
                version=version,
                positions=["left_side"],
                bolsters="Head, belly, top knee",
                areas_worked=["gluteals", "low_back"],
                techniques="Moderate lengthening strokes",
                pain_after=max(0, 6 - n % 5 - version),
                adapt_checks=[],
                amendment_reason="" if version == 1 else "Corrected the pain score",
                signed_by=therapist.user,
                signed_by_label="Therapist 00",
                signed_at=booking.ends_at,
            )
    upcoming = book(mother, therapist, dt.datetime.combine(today + dt.timedelta(days=1), at_ten))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_booking, care_checkin, care_treatmentnote")
    return mother, therapist, plan, upcoming


def measure(client: Client, url: str, requests: int) -> tuple[list[float], int]:
    timings = support.time_gets(client, url, requests)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return timings, len(captured)


def measure_chart(plan, requests: int) -> tuple[list[float], int]:
    template = Template("{% load care_tags %}{% plan_progress plan %}")
    context = Context({"plan": plan})
    for _ in range(5):
        template.render(context)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        template.render(context)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        template.render(context)
    return sorted(timings), len(captured)


def report(label: str, timings: list[float], queries: int, requests: int) -> None:
    print(
        f"{label}: {queries} queries, median {support.median(timings):.2f} ms, "
        f"p95 {support.p95(timings):.2f} ms over {requests} requests"
    )


def run(sessions: int, requests: int) -> None:
    started = time.perf_counter()
    mother, therapist, plan, upcoming = build_history(sessions)
    print(
        f"plan of {sessions} sessions with check-ins and notes, one more tomorrow "
        f"(set up in {time.perf_counter() - started:.1f} s)"
    )
    her = Client()
    her.force_login(mother)
    staff = Client()
    support.log_in_staff(staff, therapist.user)
    pages = [
        (
            her,
            "her plan page with the progress chart",
            reverse("booking:plan_detail", args=[plan.pk]),
        ),
        (staff, "therapist's session page", reverse("sessions:review", args=[upcoming.pk])),
        (staff, "check-in and notes of the session", reverse("care:session", args=[upcoming.pk])),
        (
            staff,
            "therapist's view of her progress",
            reverse("care:client_progress", args=[upcoming.pk]),
        ),
    ]
    for client, label, url in pages:
        timings, queries = measure(client, url, requests)
        report(label, timings, queries, requests)
    timings, queries = measure_chart(plan, requests)
    report("the chart and its table alone", timings, queries, requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=26)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    support.run_rolled_back(lambda: run(args.sessions, args.requests))


if __name__ == "__main__":
    main()
