"""A twice-weekly plan of 52 sessions: its preview and its booking (one POST), timed.

Run on demand: ``.venv/bin/python benchmarks/plan_booking.py [--runs R]``. It works in the
database of ``DATABASE_URL`` inside one transaction that is rolled back at the end, so it
leaves nothing behind; each run is itself rolled back to a savepoint. One therapist works
Monday to Friday 09:00–13:00 and 14:00–18:00 for 26 weeks; another client holds every third
slot and four of the plan's Monday 10:00 dates, so the preview looks for alternatives and the
booking takes them. A client with answers that flag every session books Mondays and
Thursdays at 10:00 up to her due date: 52 sessions, each with its flags and reminders.

It reports, for the preview (``preview_plan``) and the booking (``book_plan``, which
previews again and books, as the plan page's POST does), the query count at 26 and at 52
sessions and the median time at 52 (for the booking, also how long of it the slot locks are
held), and in the same run the bare SQL: the preview's three reads (the slots at its times,
her sessions, the free times in the weeks of taken dates), and for the booking the same rows
(slot locks, plan, bookings, flags, reminders, notice) written with one plain multi-row
INSERT per table. Targets: the preview in a fixed number of queries and at most 60 ms; the
booking in at most 3 queries per session plus a fixed number, and at most 400 ms.
"""

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass

import support

support.setup_django()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from booking.models import Booking, Reminder  # noqa: E402
from booking.services import book_plan, preview_plan  # noqa: E402
from booking.services.slots import generate_slots  # noqa: E402
from safety.models import IntakeResponse, PregnancyProfile, SafetyFlag  # noqa: E402

MONDAY, THURSDAY = 0, 3
AT = dt.time(10)
# Her answers: each session gets a few flags to write, as most plans' sessions do.
CONDITIONS = ["sciatica", "varicose_veins", "pelvic_girdle_pain"]
TAKEN_MONDAYS = (2, 7, 12, 17)

# The preview's reads without the ORM: the therapist's slots at the plan's times and whether
# each is booked, her own sessions in the plan's range, and the free slots in the weeks of the
# dates that are taken.
BARE_PLAN_SLOTS_SQL = """
SELECT s.id, s.starts_at, s.ends_at, s.status,
  EXISTS (SELECT 1 FROM booking_booking b WHERE b.slot_id = s.id AND b.status = 'booked')
FROM booking_slot s WHERE s.therapist_id = %(therapist)s AND s.starts_at = ANY(%(times)s)
"""
BARE_HER_SESSIONS_SQL = """
SELECT starts_at, ends_at FROM booking_booking
WHERE client_id = %(client)s AND status = 'booked' AND starts_at < %(end)s AND ends_at > %(start)s
"""
BARE_ALTERNATIVES_SQL = """
SELECT s.id, s.starts_at, s.ends_at, s.status FROM booking_slot s
WHERE s.therapist_id = %(therapist)s AND s.status = 'open' AND s.starts_at > now()
  AND EXISTS (
    SELECT 1 FROM unnest(%(week_starts)s::timestamptz[], %(week_ends)s::timestamptz[]) w(b, e)
    WHERE s.starts_at >= w.b AND s.starts_at < w.e
  )
  AND NOT EXISTS (SELECT 1 FROM booking_booking b WHERE b.slot_id = s.id AND b.status = 'booked')
ORDER BY s.starts_at
"""


def build(weeks: int):
    clinic, [therapist] = support.create_clinic_with_therapists(
        therapists=1, workdays=5, booking_horizon_weeks=weeks + 2, turnover_minutes=0
    )
    today = clinic.today()
    start = today + dt.timedelta(days=3)
    start += dt.timedelta(days=(MONDAY - start.weekday()) % 7)
    end = start + dt.timedelta(weeks=weeks, days=-1)
    slots = generate_slots(therapist=therapist, start=start, end=end)
    stamp = time.monotonic_ns()
    mother, other = User.objects.bulk_create(
        User(email=f"bench-plan-{stamp}-{n}@example.com", first_name=f"Plan{n}") for n in range(2)
    )
    PregnancyProfile.objects.create(
        client=mother,
        due_date=end + dt.timedelta(days=3),
        phone="+447400900000",
        emergency_contact_name="Partner",
        emergency_contact_phone="+447400900001",
    )
    IntakeResponse.objects.create(
        client=mother, conditions=CONDITIONS, consent_given_at=timezone.now()
    )
    plan_times = {
        dt.datetime.combine(day, AT, tzinfo=clinic.tz)
        for day in (start + dt.timedelta(days=n) for n in range(weeks * 7))
        if day.weekday() in (MONDAY, THURSDAY)
    }
    taken_times = {
        dt.datetime.combine(start + dt.timedelta(weeks=week), AT, tzinfo=clinic.tz)
        for week in TAKEN_MONDAYS
    }
    taken = [
        slot
        for n, slot in enumerate(slots)
        if slot.starts_at in taken_times or (n % 3 == 0 and slot.starts_at not in plan_times)
    ]
    Booking.objects.bulk_create(
        Booking(client=other, slot=s, starts_at=s.starts_at, ends_at=s.ends_at) for s in taken
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE booking_slot, booking_booking, booking_reminder, booking_plan, "
            "booking_plannedsession, safety_safetyflag, safety_pregnancyprofile, "
            "safety_intakeresponse"
        )
    return therapist, mother, start, len(slots)


def plan_of(therapist, start: dt.date, weeks: int) -> dict:
    return {
        "therapist": therapist,
        "weekdays": [MONDAY, THURSDAY],
        "local_time": AT,
        "starts_on": start,
        "ends_on": start + dt.timedelta(weeks=weeks, days=-1),
    }


def accepted_times(preview) -> list[int]:
    """Every free date and, for a taken one, the alternative offered that week."""
    return [(p.slot or p.alternative).pk for p in preview.dates if p.slot or p.alternative]


class QueryCounter:
    """Counts the statements sent to the database (without the debug cursor's cost) and notes
    when the first row lock was asked for."""

    def __init__(self) -> None:
        self.count = 0
        self.locked_at: float | None = None

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.locked_at is None and "FOR UPDATE" in sql:
            self.locked_at = time.perf_counter()
        return execute(sql, params, many, context)


@dataclass
class Run:
    ms: float
    queries: int
    # From the first SELECT … FOR UPDATE to the end of the work: the least the locks are held
    # (the commit that releases them comes after).
    locked_ms: float
    result: object


def rolled_back(work, read_back=lambda result: result) -> Run:
    """Run ``work`` in a savepoint rolled back afterwards; what ``read_back`` makes of its
    result is read before the rollback, untimed and uncounted."""
    savepoint = transaction.savepoint()
    counter = QueryCounter()
    try:
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            result = work()
            finished = time.perf_counter()
        result = read_back(result)
    finally:
        transaction.savepoint_rollback(savepoint)
    locked_ms = (finished - counter.locked_at) * 1000 if counter.locked_at else 0.0
    return Run((finished - started) * 1000, counter.count, locked_ms, result)


def bare_preview(therapist, mother, plan: dict) -> None:
    clinic = therapist.clinic
    begins, ends = clinic.day_bounds(plan["starts_on"], plan["ends_on"])
    days = [
        plan["starts_on"] + dt.timedelta(days=n)
        for n in range((plan["ends_on"] - plan["starts_on"]).days + 1)
    ]
    times = [
        dt.datetime.combine(day, plan["local_time"], tzinfo=clinic.tz)
        for day in days
        if day.weekday() in plan["weekdays"]
    ]
    params = {"therapist": therapist.pk, "client": mother.pk, "start": begins, "end": ends}
    with connection.cursor() as cursor:
        cursor.execute(BARE_PLAN_SLOTS_SQL, {**params, "times": times})
        found = {starts_at: booked for _, starts_at, _, _, booked in cursor.fetchall()}
        cursor.execute(BARE_HER_SESSIONS_SQL, params)
        cursor.fetchall()
        weeks = {
            clinic.local_date(starts_at) - dt.timedelta(days=clinic.local_date(starts_at).weekday())
            for starts_at in times
            if found.get(starts_at, True)
        }
        bounds = [clinic.day_bounds(monday, monday + dt.timedelta(days=6)) for monday in weeks]
        cursor.execute(
            BARE_ALTERNATIVES_SQL,
            {
                **params,
                "week_starts": [max(b, begins) for b, _ in bounds],
                "week_ends": [min(e, ends) for _, e in bounds],
            },
        )
        cursor.fetchall()


def insert_rows(cursor, table: str, columns: list[str], rows: list[tuple]) -> list[int]:
    """One multi-row INSERT; the new ids in row order."""
    if not rows:
        return []
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} RETURNING id",
        [value for row in rows for value in row],
    )
    return [row[0] for row in cursor.fetchall()]


def bare_booking(mother, plan: dict, slot_ids: list[int], made: dict) -> None:
    """The rows ``book_plan`` wrote (``made``), written in plain SQL: lock, then one INSERT
    per table."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, starts_at, ends_at FROM booking_slot WHERE id = ANY(%s) "
            "ORDER BY id FOR UPDATE",
            [slot_ids],
        )
        slots = cursor.fetchall()
        [plan_id] = insert_rows(
            cursor,
            "booking_plan",
            ["client_id", "therapist_id", "weekdays", "local_time", "starts_on", "ends_on"]
            + ["status", "created_at"],
            [
                (mother.pk, plan["therapist"].pk, "[0, 3]", plan["local_time"])
                + (plan["starts_on"], plan["ends_on"], "active", now)
            ],
        )
        booking_ids = insert_rows(
            cursor,
            "booking_booking",
            ["client_id", "slot_id", "plan_id", "starts_at", "ends_at", "status"]
            + ["cancelled_by", "cancel_reason", "calendar_uid", "calendar_sequence", "attendance"]
            + ["change_grace_until", "created_at", "updated_at"],
            [
                (mother.pk, slot_id, plan_id, starts, ends, "booked", "", "", "", 0, "")
                + (now, now, now)
                for slot_id, starts, ends in slots
            ],
        )
        per_booking = {slot_id: pk for (slot_id, _, _), pk in zip(slots, booking_ids, strict=True)}
        insert_rows(
            cursor,
            "safety_safetyflag",
            ["booking_id", "code", "severity", "title", "instruction", "client_message"]
            + ["ruleset_version", "created_at"],
            [
                (per_booking[slot_id], code, severity, title, instruction, message, version, now)
                for slot_id, code, severity, title, instruction, message, version in made["flags"]
            ],
        )
        insert_rows(
            cursor,
            "booking_reminder",
            ["booking_id", "recipient_id", "channel", "kind", "payload", "send_at", "status"]
            + ["attempts", "last_error", "provider_id", "delivery_status"]
            + ["created_at", "updated_at"],
            [
                (per_booking[slot_id], mother.pk, channel, kind, "{}", send_at, status, 0)
                + ("", "", "", now, now)
                for slot_id, channel, kind, send_at, status in made["reminders"]
            ],
        )


def rows_written(mother) -> dict:
    """What a plan booking left in the tables, keyed by slot (read before the rollback)."""
    return {
        "flags": list(
            SafetyFlag.objects.filter(booking__client=mother).values_list(
                "booking__slot_id",
                "code",
                "severity",
                "title",
                "instruction",
                "client_message",
                "ruleset_version",
            )
        ),
        "reminders": list(
            Reminder.objects.filter(booking__client=mother).values_list(
                "booking__slot_id", "channel", "kind", "send_at", "status"
            )
        ),
    }


def measure_preview(therapist, mother, plan: dict, runs: int) -> dict:
    timings, bare = [], []
    queries = 0
    for run in range(runs + 1):
        measured = rolled_back(lambda: preview_plan(client=mother, **plan))
        started = time.perf_counter()
        bare_preview(therapist, mother, plan)
        bare_elapsed = (time.perf_counter() - started) * 1000
        queries = measured.queries
        if run:  # the first run warms up
            timings.append(measured.ms)
            bare.append(bare_elapsed)
    return {"queries": queries, "median": support.median(timings), "bare": support.median(bare)}


def measure_booking(mother, plan: dict, runs: int) -> dict:
    accepted = accepted_times(preview_plan(client=mother, **plan))
    timings, locked, bare = [], [], []
    measured = None
    for run in range(runs + 1):
        measured = rolled_back(
            lambda: book_plan(client=mother, accepted_slot_ids=accepted, **plan),
            lambda result: (len(result.booked), rows_written(mother)),
        )
        made = measured.result[1]
        bare_run = rolled_back(lambda made=made: bare_booking(mother, plan, accepted, made))
        if run:
            timings.append(measured.ms)
            locked.append(measured.locked_ms)
            bare.append(bare_run.ms)
    booked, made = measured.result
    return {
        "queries": measured.queries,
        "booked": booked,
        "flags": len(made["flags"]),
        "reminders": len(made["reminders"]),
        "median": support.median(timings),
        "locked": support.median(locked),
        "bare": support.median(bare),
    }


def run(runs: int, targets: support.Targets) -> None:
    weeks = 26
    started = time.perf_counter()
    therapist, mother, start, slots = build(weeks)
    print(
        f"one therapist, {slots} slots over {weeks} weeks, every third booked "
        f"(set up in {time.perf_counter() - started:.1f} s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    half, whole = plan_of(therapist, start, weeks // 2), plan_of(therapist, start, weeks)
    preview_half = measure_preview(therapist, mother, half, 1)
    preview = measure_preview(therapist, mother, whole, runs)
    print(
        f"preview, 52 dates: {preview['queries']} queries (26 dates: {preview_half['queries']}), "
        f"median {preview['median']:.1f} ms; bare SQL median {preview['bare']:.2f} ms "
        f"({preview['median'] / preview['bare']:.1f}× the bare SQL)"
    )
    booking_half = measure_booking(mother, half, 1)
    booking = measure_booking(mother, whole, runs)
    per_session = (booking["queries"] - booking_half["queries"]) / (
        booking["booked"] - booking_half["booked"]
    )
    fixed = booking["queries"] - per_session * booking["booked"]
    print(
        f"booking, {booking['booked']} sessions ({booking['flags']} flags, "
        f"{booking['reminders']} reminders): {booking['queries']} queries "
        f"({booking_half['booked']} sessions: {booking_half['queries']}; "
        f"{per_session:.2f} per session + {fixed:.0f}), median {booking['median']:.1f} ms, "
        f"slot locks held {booking['locked']:.1f} ms of it; "
        f"bare SQL median {booking['bare']:.2f} ms "
        f"({booking['median'] / booking['bare']:.1f}× the bare SQL)"
    )
    targets.at_most(
        "preview queries, 52 dates minus 26 dates",
        preview["queries"] - preview_half["queries"],
        0,
    )
    targets.at_most("preview median, 52 dates", preview["median"], 60, " ms")
    targets.at_most("booking queries per session", per_session, 3)
    targets.at_most("booking median, 52 sessions", booking["median"], 400, " ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    targets = support.Targets()
    support.run_rolled_back(lambda: run(args.runs, targets))
    sys.exit(targets.exit_code())


if __name__ == "__main__":
    main()
