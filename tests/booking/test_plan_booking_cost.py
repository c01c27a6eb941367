"""Booking a weekly plan costs a fixed number of queries whatever its length, and writes the
rows booking its sessions one by one writes: each session's flags at its own date, its
reminders on each channel she chose, one plan-end reminder for the plan, one confirmation,
and the audit entry when staff book it for her."""

import datetime as dt

import pytest
from django.db import IntegrityError

from accounts.models import User
from booking import texts
from booking.models import Booking, Plan, PlannedSession, Reminder, Slot
from booking.services import book_plan, book_session, preview_plan
from booking.services.errors import PlanChanged
from booking.services.plans import PlanChecks
from booking.services.reminders import PLAN_END, PLAN_END_NOTICE
from safety import services as safety_services
from safety.models import AuditEntry, SafetyFlag
from tests.booking.conftest import make_ready_client, next_weekday, slot_at
from tests.factories import BookingFactory, TherapistFactory

pytestmark = pytest.mark.django_db

MONDAY, THURSDAY = 0, 3
TEN, ELEVEN = dt.time(10), dt.time(11)


def plan_for(therapist, start: dt.date, weeks: int) -> dict:
    return {
        "therapist": therapist,
        "weekdays": [MONDAY, THURSDAY],
        "local_time": TEN,
        "starts_on": start,
        "ends_on": start + dt.timedelta(weeks=weeks, days=-1),
    }


def slots_for(therapist, start: dt.date, weeks: int) -> dict[dt.datetime, object]:
    """A 10:00 and an 11:00 slot on every Monday and Thursday of the plan."""
    slots = {}
    for n in range(weeks * 7):
        day = start + dt.timedelta(days=n)
        if day.weekday() in (MONDAY, THURSDAY):
            for at in (TEN, ELEVEN):
                slot = slot_at(therapist, day, at)
                slots[slot.starts_at] = slot
    return slots


def accepted(preview) -> list[int]:
    """Every free date, and the alternative offered for a taken one."""
    return [(p.slot or p.alternative).pk for p in preview.dates if p.slot or p.alternative]


def a_plan_with_a_taken_monday(therapist, start: dt.date, weeks: int) -> dict:
    """Slots for the plan, its second Monday at 10:00 taken (so the preview offers 11:00)."""
    therapist.clinic.booking_horizon_weeks = weeks + 4
    therapist.clinic.save()
    slots = slots_for(therapist, start, weeks)
    second_monday = dt.datetime.combine(start + dt.timedelta(weeks=1), TEN, therapist.clinic.tz)
    BookingFactory(slot=slots[second_monday])
    return plan_for(therapist, start, weeks)


# Her booking: the short lock wait's savepoint, timeout, restore and release (4); the
# preview: her profile and answers are there (2), her no-shows (1), her due date (1), the slots
# at the plan's times (1), her sessions (1), her profile and answers for the rules (2), the free
# times in the weeks of taken dates (1); then the plan (1), the slot locks (1), which of them
# are booked (1), held for other plans (1), her sessions around them (1), the bookings (1),
# their flags (1), their reminders (1), the plan-end reminder (the last session, dates still
# held, superseded copies, its look-up, and its insert in a savepoint: 7), the confirmation (1).
HER_PLAN_QUERIES = 4 + 9 + 8 + 7 + 1
# Staff booking for her: her no-shows are not counted; instead whether staff may act (is she
# an admin, is this her clinic's client: 2) and may clear (1), an admin's reads of her
# clearances that may lift a block (for the preview and the booking: 2), and the audit entry
# (its author's role for the label, and the row: 2).
STAFF_PLAN_QUERIES = HER_PLAN_QUERIES - 1 + 2 + 1 + 2 + 2


@pytest.mark.parametrize("weeks", [4, 12])
def test_booking_a_plan_costs_the_same_queries_for_8_or_24_sessions(
    therapist, django_assert_num_queries, weeks
):
    client = make_ready_client(conditions=["varicose_veins", "sciatica"])
    plan = a_plan_with_a_taken_monday(therapist, next_weekday(therapist.clinic, MONDAY), weeks)
    chosen = accepted(preview_plan(client=client, **plan))
    client = User.objects.get(pk=client.pk)  # as the request has her, nothing read yet

    with django_assert_num_queries(HER_PLAN_QUERIES):
        result = book_plan(client=client, accepted_slot_ids=chosen, **plan)

    assert len(result.booked) == 2 * weeks
    assert SafetyFlag.objects.filter(booking__plan=result.plan).count() >= 2 * len(result.booked)


@pytest.mark.parametrize("weeks", [4, 12])
def test_staff_booking_a_plan_costs_the_same_queries_for_8_or_24_sessions(
    therapist, clinic_admin, django_assert_num_queries, weeks
):
    client = make_ready_client(conditions=["sciatica"])
    therapist.clinic.registered_clients.add(client)
    plan = a_plan_with_a_taken_monday(therapist, next_weekday(therapist.clinic, MONDAY), weeks)
    chosen = accepted(preview_plan(client=client, booked_by=clinic_admin, **plan))
    client = User.objects.get(pk=client.pk)

    with django_assert_num_queries(STAFF_PLAN_QUERIES):
        result = book_plan(client=client, accepted_slot_ids=chosen, booked_by=clinic_admin, **plan)

    assert len(result.booked) == 2 * weeks
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.BOOKED_FOR_CLIENT)
    assert (entry.actor, entry.client, entry.clinic) == (clinic_admin, client, therapist.clinic)
    assert f"{2 * weeks} sessions booked, 0 planned" in entry.detail


def flags_by_session(client) -> list[list[tuple]]:
    return [
        sorted(
            (flag.code, flag.severity, flag.title, flag.instruction, flag.client_message)
            + (flag.ruleset_version, flag.closed_at)
            for flag in booking.safety_flags.all()
        )
        for booking in Booking.objects.filter(client=client).order_by("starts_at")
    ]


def reminders_by_session(client) -> list[list[tuple]]:
    """Each session's "N h before" reminders: kind, channel, status and lead time."""
    return [
        sorted(
            (reminder.kind, reminder.channel, reminder.status, booking.starts_at - reminder.send_at)
            + (reminder.recipient_id == client.pk,)
            for reminder in booking.reminders.reminders().exclude(kind=PLAN_END)
        )
        for booking in Booking.objects.filter(client=client).order_by("starts_at")
    ]


@pytest.mark.parametrize(
    "channels, same_day",
    [(User.MessageChannels.BOTH, True), (User.MessageChannels.EMAIL, False)],
)
def test_a_plan_writes_the_flags_and_reminders_of_its_sessions_booked_one_by_one(
    therapist, django_capture_on_commit_callbacks, channels, same_day
):
    start = next_weekday(therapist.clinic, MONDAY)
    # 27 weeks pregnant at the start: third-trimester flags from the second week on.
    due_date = start + dt.timedelta(weeks=13)
    answers = {"due_date": due_date, "conditions": ["varicose_veins", "hypertension"]}
    mother = make_ready_client(**answers, message_channels=channels, same_day_reminders=same_day)
    twin = make_ready_client(**answers, message_channels=channels, same_day_reminders=same_day)
    plan = a_plan_with_a_taken_monday(therapist, start, 4)
    other_therapist = TherapistFactory(clinic=therapist.clinic)
    chosen = accepted(preview_plan(client=mother, **plan))
    # Her twin books the same times, one by one, with another therapist.
    twin_slots = [
        Slot.objects.create(
            therapist=other_therapist, starts_at=slot.starts_at, ends_at=slot.ends_at
        )
        for slot in Slot.objects.filter(pk__in=chosen).order_by("starts_at")
    ]

    with django_capture_on_commit_callbacks(execute=True):
        result = book_plan(client=mother, accepted_slot_ids=chosen, **plan)
        for slot in twin_slots:
            book_session(client=twin, slot=slot)

    assert len(result.booked) == 8
    assert flags_by_session(mother) == flags_by_session(twin)
    codes = [{flag[0] for flag in flags} for flags in flags_by_session(mother)]
    assert "third_trimester" not in codes[0] and "third_trimester" in codes[-1]
    assert reminders_by_session(mother) == reminders_by_session(twin)
    kinds = {reminder[0] for reminders in reminders_by_session(mother) for reminder in reminders}
    assert kinds == ({"24h", "2h"} if same_day else {"24h"})

    last = max(result.booked, key=lambda booking: booking.starts_at)
    plan_end = Reminder.objects.filter(kind=PLAN_END, booking__plan=result.plan)
    assert sorted(plan_end.values_list("booking", "channel", "send_at", "status")) == sorted(
        (last.pk, channel, last.starts_at - PLAN_END_NOTICE, Reminder.Status.PENDING)
        for channel in texts.channels_for(mother, PLAN_END)
    )
    [*confirmations] = Reminder.objects.notices().filter(recipient=mother)
    assert {row.kind for row in confirmations} == {Reminder.Notice.BOOKED}
    assert {row.channel for row in confirmations} == set(texts.channels_for(mother, "booked"))
    assert all(
        sorted(row.payload["booking_ids"]) == sorted(b.pk for b in result.booked)
        for row in confirmations
    )


def test_a_plan_with_dates_still_to_open_has_no_plan_end_reminder_yet(therapist):
    """It does not end at its last booked session: the reminder comes once its last date is
    booked, as the hourly layout books them."""
    therapist.clinic.booking_horizon_weeks = 2
    therapist.clinic.save()
    client = make_ready_client()
    start = next_weekday(therapist.clinic, MONDAY)
    slots_for(therapist, start, 2)

    result = book_plan(client=client, **plan_for(therapist, start, 6))

    assert result.booked
    assert PlannedSession.objects.filter(plan=result.plan).exists()
    assert not Reminder.objects.filter(kind=PLAN_END).exists()
    assert all(booking.reminders.filter(kind="24h").exists() for booking in result.booked)


def test_a_constraint_refusing_one_session_refuses_the_whole_plan(therapist, monkeypatch):
    """Her own session elsewhere that the checks did not see (booked at that moment in
    another tab): the database refuses the overlap, and nothing of the plan is kept."""
    client = make_ready_client()
    start = next_weekday(therapist.clinic, MONDAY)
    plan = a_plan_with_a_taken_monday(therapist, start, 2)
    chosen = accepted(preview_plan(client=client, **plan))
    elsewhere = slot_at(TherapistFactory(clinic=therapist.clinic), start + dt.timedelta(days=3))
    book_session(client=client, slot=elsewhere)
    load = PlanChecks.load

    def without_her_sessions(**kwargs):
        checks = load(**kwargs)
        checks.her_sessions = []
        return checks

    monkeypatch.setattr(PlanChecks, "load", without_her_sessions)

    with pytest.raises(PlanChanged) as changed:
        book_plan(client=client, accepted_slot_ids=chosen, **plan)

    assert isinstance(changed.value.__cause__, IntegrityError)
    assert list(Booking.objects.filter(client=client)) == [elsewhere.bookings.get()]
    assert not Plan.objects.filter(client=client).exists()
    assert not SafetyFlag.objects.filter(booking__plan__client=client).exists()


@pytest.mark.parametrize("weeks", [4, 12])
def test_an_admin_booking_against_a_clearance_reads_it_once_for_4_or_12_weeks(
    therapist, clinic_admin, django_assert_num_queries, weeks
):
    """Pre-eclampsia blocks every date; her maternity team's clearance lifts it for the
    admin up to its end, checked on each date from one read of her clearances."""
    clinic = therapist.clinic
    client = make_ready_client(conditions=["preeclampsia"])
    clinic.registered_clients.add(client)
    start = next_weekday(clinic, MONDAY)
    cleared_until = start + dt.timedelta(weeks=2, days=-1)
    safety_services.record_phone_booking_clearance(
        client=client,
        clinic=clinic,
        code="preeclampsia",
        issued_by="Dr Ana Reyes, obstetrician",
        issued_on=clinic.today(),
        valid_until=cleared_until,
        document_reference="MAT-2026-0042",
        recorded_by=clinic_admin,
    )
    plan = a_plan_with_a_taken_monday(therapist, start, weeks)
    client = User.objects.get(pk=client.pk)

    # Her profile and answers are there (2), whether staff may act (2), her due date (1), the
    # slots at the plan's times (1), her sessions (1), her answers for the rules (2), her
    # clearances (1), the free times in the week of the taken date (1).
    with django_assert_num_queries(2 + 2 + 1 + 1 + 1 + 2 + 1 + 1):
        preview = preview_plan(client=client, booked_by=clinic_admin, **plan)
    chosen = accepted(preview)
    client = User.objects.get(pk=client.pk)
    clinic_admin = User.objects.get(pk=clinic_admin.pk)
    with django_assert_num_queries(STAFF_PLAN_QUERIES):
        result = book_plan(client=client, accepted_slot_ids=chosen, booked_by=clinic_admin, **plan)

    assert {clinic.local_date(b.starts_at) for b in result.booked} == {
        p.on for p in preview.dates if p.on <= cleared_until
    }
    assert all(p.status == "safety" for p in preview.dates if p.on > cleared_until)
