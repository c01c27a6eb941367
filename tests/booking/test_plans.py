"""Weekly plans: preview date by date, book in one transaction, evaluate each date on its own."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Booking, Plan
from booking.services import book_plan, book_session, cancel_plan, preview_plan
from booking.services.errors import PlanChanged, PlanError
from booking.services.plans import FREE, SAFETY, TAKEN
from safety.models import SafetyFlag
from tests.booking.conftest import (
    booked_a_while_ago,
    local_today,
    make_ready_client,
    next_weekday,
    slot_at,
)
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db

MONDAY, WEDNESDAY, THURSDAY, FRIDAY = 0, 2, 3, 4


def slots_every_day(therapist, start: dt.date, days: int, at=dt.time(10)):
    return {
        start + dt.timedelta(days=n): slot_at(therapist, start + dt.timedelta(days=n), at)
        for n in range(days)
    }


def plan_kwargs(therapist, start, **extra):
    return {
        "therapist": therapist,
        "weekdays": [MONDAY, THURSDAY],
        "local_time": dt.time(10),
        "starts_on": start,
        "ends_on": start + dt.timedelta(days=27),
        **extra,
    }


def test_twice_weekly_plan_for_four_weeks_books_eight_sessions(
    therapist, django_capture_on_commit_callbacks, mailoutbox
):
    client = make_ready_client()
    start = next_weekday(therapist.clinic, MONDAY)
    slots_every_day(therapist, start, 28)

    with django_capture_on_commit_callbacks(execute=True):
        result = book_plan(client=client, **plan_kwargs(therapist, start))

    assert len(result.booked) == 8
    assert result.not_booked == []
    assert {b.plan_id for b in result.booked} == {result.plan.pk}
    days = [local_date(b, therapist) for b in result.booked]
    assert {day.weekday() for day in days} == {MONDAY, THURSDAY}
    assert len(mailoutbox) == 1
    assert "8 prenatal massage sessions" in mailoutbox[0].subject


def local_date(booking, therapist):
    from django.utils import timezone

    return timezone.localtime(booking.starts_at, therapist.clinic.tz).date()


def test_plan_across_a_dst_change_keeps_the_local_time(therapist, frozen_clock):
    frozen_clock(dt.datetime(2027, 2, 15, 12, tzinfo=dt.UTC))
    clinic = therapist.clinic
    clinic.time_zone = "America/New_York"
    clinic.booking_horizon_weeks = 52
    clinic.save()
    # Clocks in New York go forward on Sunday 14 March 2027.
    start = dt.date(2027, 3, 1)
    client = make_ready_client(due_date=dt.date(2027, 6, 1))
    slots_every_day(therapist, start, 28)

    result = book_plan(
        client=client,
        **plan_kwargs(therapist, start, ends_on=dt.date(2027, 3, 28)),
    )

    from django.utils import timezone

    local_times = {timezone.localtime(b.starts_at, clinic.tz).time() for b in result.booked}
    utc_hours = {b.starts_at.astimezone(dt.UTC).hour for b in result.booked}
    assert local_times == {dt.time(10)}
    assert utc_hours == {15, 14}  # EST before the change, EDT after
    assert len(result.booked) == 8


def test_plan_end_defaults_to_and_never_passes_the_due_date(therapist):
    start = next_weekday(therapist.clinic, MONDAY)
    due = start + dt.timedelta(days=17)  # a Thursday
    client = make_ready_client(due_date=due)
    slots_every_day(therapist, start, 28)

    preview = preview_plan(client=client, **plan_kwargs(therapist, start, ends_on=None))
    assert preview.ends_on == due
    assert max(planned.on for planned in preview.dates) == due

    with pytest.raises(PlanError, match="past your due date"):
        book_plan(client=client, **plan_kwargs(therapist, start, ends_on=due + dt.timedelta(1)))
    assert not Plan.objects.exists()


@pytest.mark.parametrize(
    ("weekdays", "message"),
    [
        ([MONDAY, WEDNESDAY, FRIDAY], "at most two sessions a week"),
        ([MONDAY, 1], "rest between them"),
        ([6, MONDAY], "rest between them"),
        ([], "one or two days"),
    ],
)
def test_three_a_week_or_back_to_back_days_are_refused(therapist, weekdays, message):
    client = make_ready_client()
    start = next_weekday(therapist.clinic, MONDAY)
    with pytest.raises(PlanError, match=message):
        book_plan(client=client, **plan_kwargs(therapist, start, weekdays=weekdays))
    assert not Plan.objects.exists()


def test_accepted_times_closer_than_a_rest_day_are_refused(therapist):
    client = make_ready_client()
    start = next_weekday(therapist.clinic, MONDAY)
    slots = slots_every_day(therapist, start, 7)
    with pytest.raises(PlanError, match="rest"):
        book_plan(
            client=client,
            accepted_slot_ids=[slots[start].pk, slots[start + dt.timedelta(days=1)].pk],
            **plan_kwargs(therapist, start),
        )


def test_plan_crossing_28_weeks_has_third_trimester_flags_from_that_date_only(therapist):
    start = next_weekday(therapist.clinic, MONDAY)
    third_trimester_from = start + dt.timedelta(days=14)  # a Monday in week 3 of the plan
    due = third_trimester_from + dt.timedelta(days=84)  # 28w0d is 84 days before 40w0d
    client = make_ready_client(due_date=due)
    slots_every_day(therapist, start, 28)

    result = book_plan(client=client, **plan_kwargs(therapist, start))

    for booking in result.booked:
        has_flag = SafetyFlag.objects.filter(booking=booking, code="third_trimester").exists()
        assert has_flag == (local_date(booking, therapist) >= third_trimester_from)
    assert (
        sum(
            SafetyFlag.objects.filter(booking=b, code="third_trimester").exists()
            for b in result.booked
        )
        == 4
    )


def test_preview_shows_free_taken_with_alternative_and_not_bookable(therapist):
    clinic = therapist.clinic
    start = next_weekday(clinic, MONDAY)
    # The clinic treats the third trimester as a reason not to book online.
    clinic.raised_severities = {"third_trimester": "block"}
    clinic.save()
    third_trimester_from = start + dt.timedelta(days=21)
    client = make_ready_client(due_date=third_trimester_from + dt.timedelta(days=84))
    slots = slots_every_day(therapist, start, 28)
    taken_day = start + dt.timedelta(days=3)  # first Thursday
    BookingFactory(slot=slots[taken_day])
    an_hour_later = slot_at(therapist, taken_day, dt.time(11, 15))

    preview = preview_plan(client=client, **plan_kwargs(therapist, start))

    by_day = {planned.on: planned for planned in preview.dates}
    assert by_day[start].status == FREE
    assert by_day[taken_day].status == TAKEN
    assert by_day[taken_day].alternative is not None
    assert by_day[taken_day].alternative == an_hour_later
    assert by_day[third_trimester_from].status == SAFETY
    assert by_day[third_trimester_from].reason


def test_alternative_keeps_a_rest_day_from_the_other_session_of_the_week(therapist):
    start = next_weekday(therapist.clinic, MONDAY)
    client = make_ready_client()
    slots = slots_every_day(therapist, start, 7)
    BookingFactory(slot=slots[start + dt.timedelta(days=3)])  # Thursday taken
    for day in (2, 4, 5, 6):  # Wednesday to Sunday: the nearest free times, but booked
        BookingFactory(slot=slots[start + dt.timedelta(days=day)])

    preview = preview_plan(
        client=client, **plan_kwargs(therapist, start, ends_on=start + dt.timedelta(days=6))
    )

    thursday = preview.dates[1]
    assert thursday.status == TAKEN
    # Tuesday 10:00 is free but the day after Monday's session: not offered.
    assert thursday.alternative is None


def test_accepting_an_alternative_books_it_and_reports_what_was_not_booked(therapist):
    start = next_weekday(therapist.clinic, MONDAY)
    client = make_ready_client()
    slots = slots_every_day(therapist, start, 28)
    taken_day = start + dt.timedelta(days=3)
    BookingFactory(slot=slots[taken_day])
    preview = preview_plan(client=client, **plan_kwargs(therapist, start))
    alternative = next(p.alternative for p in preview.dates if p.status == TAKEN)
    accepted = [p.slot.pk for p in preview.dates if p.status == FREE] + [alternative.pk]

    result = book_plan(client=client, accepted_slot_ids=accepted, **plan_kwargs(therapist, start))

    assert alternative.pk in {b.slot_id for b in result.booked}
    assert len(result.booked) == 8
    assert result.not_booked == []


def test_unaccepted_taken_date_is_reported_as_not_booked(therapist):
    start = next_weekday(therapist.clinic, MONDAY)
    client = make_ready_client()
    slots = slots_every_day(therapist, start, 28)
    taken_day = start + dt.timedelta(days=3)
    BookingFactory(slot=slots[taken_day])

    result = book_plan(client=client, **plan_kwargs(therapist, start))

    assert len(result.booked) == 7
    assert [p.on for p in result.not_booked] == [taken_day]
    assert "Already booked" in result.not_booked[0].reason


def test_a_date_taken_after_the_preview_books_nothing_of_the_plan(therapist):
    start = next_weekday(therapist.clinic, MONDAY)
    client = make_ready_client()
    slots = slots_every_day(therapist, start, 28)
    preview = preview_plan(client=client, **plan_kwargs(therapist, start))
    accepted = [p.slot.pk for p in preview.dates]
    book_session(client=make_ready_client(), slot=slots[start + dt.timedelta(days=7)])

    with pytest.raises(PlanChanged) as changed:
        book_plan(client=client, accepted_slot_ids=accepted, **plan_kwargs(therapist, start))

    assert [slot.pk for slot, _ in changed.value.failed] == [slots[start + dt.timedelta(7)].pk]
    assert not Plan.objects.filter(client=client).exists()
    assert not Booking.objects.filter(client=client).exists()


def test_cancel_rest_of_plan_keeps_sessions_inside_the_notice_period(
    therapist, django_capture_on_commit_callbacks, mailoutbox
):
    clinic = therapist.clinic
    client = make_ready_client()
    tomorrow = local_today(clinic) + dt.timedelta(days=1)
    weekdays = sorted({tomorrow.weekday(), (tomorrow.weekday() + 3) % 7})
    slots_every_day(therapist, tomorrow, 14, at=dt.time(23))
    clinic.cancellation_notice_hours = 48
    clinic.save()
    result = book_plan(
        client=client,
        therapist=therapist,
        weekdays=weekdays,
        local_time=dt.time(23),
        starts_on=tomorrow,
        ends_on=tomorrow + dt.timedelta(days=13),
    )
    assert len(result.booked) == 4
    booked_a_while_ago(*result.booked)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = cancel_plan(plan=result.plan)

    assert [b.starts_at for b in outcome.too_late] == [result.booked[0].starts_at]
    assert len(outcome.cancelled) == 3
    assert Booking.objects.filter(plan=result.plan, status=Booking.Status.BOOKED).count() == 1
    assert len(mailoutbox) == 1


def preview_queries(therapist, client, start, weeks: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        preview = preview_plan(
            client=client,
            **plan_kwargs(therapist, start, ends_on=start + dt.timedelta(weeks=weeks, days=-1)),
        )
    assert len(preview.dates) == 2 * weeks
    return len(captured)


def test_the_plan_preview_costs_the_same_queries_for_four_or_twelve_weeks(therapist):
    client = make_ready_client()
    start = next_weekday(therapist.clinic, MONDAY)
    slots = slots_every_day(therapist, start, 84)
    # Some dates taken, so the preview also looks for alternatives.
    for day in list(slots)[::5]:
        BookingFactory(slot=slots[day])

    assert preview_queries(therapist, client, start, 4) == preview_queries(
        therapist, client, start, 12
    )


def test_booking_a_plan_reads_her_answers_once_not_per_session(therapist):
    client = make_ready_client(conditions=["varicose_veins"])
    start = next_weekday(therapist.clinic, MONDAY)
    slots_every_day(therapist, start, 28)
    with CaptureQueriesContext(connection) as captured:
        result = book_plan(client=client, **plan_kwargs(therapist, start))

    assert len(result.booked) == 8
    profile_reads = [q for q in captured if 'FROM "safety_pregnancyprofile"' in q["sql"]]
    intake_reads = [q for q in captured if 'FROM "safety_intakeresponse"' in q["sql"]]
    # Once to see she may book, once for the rules: the booking evaluates the preview's.
    assert len(profile_reads) <= 2 and len(intake_reads) <= 2
    assert all(
        "varicose_veins" in set(booking.safety_flags.values_list("code", flat=True))
        for booking in result.booked
    )
