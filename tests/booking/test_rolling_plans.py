"""Rolling plans: a plan to the due date books its later weeks first, as the horizon opens them."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking, PlannedSession, Slot
from booking.queries import bookable_slots
from booking.services import book_plan, book_session
from booking.services.errors import SlotUnavailable
from booking.services.plans import LATER, preview_plan
from booking.services.slots import add_time_off, generate_slots
from booking.tasks import keep_slots_generated
from safety.dating import gestational_age_on
from tests.booking.conftest import make_ready_client

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
TUESDAY, THURSDAY = 1, 3
START = dt.date(2027, 1, 5)  # a Tuesday: 26w0d for this due date
DUE = START + dt.timedelta(weeks=14)  # 40w0d, also a Tuesday
OFF_DAY = dt.date(2027, 3, 2)  # a Tuesday the therapist takes off
PLAN_SUBJECTS = ("Your plan booked", "Your plan: a date")


def book_tuesday_plan(mother, therapist):
    """Her plan: Tuesdays at 10:00 from 26w0d to her due date."""
    return book_plan(
        client=mother,
        therapist=therapist,
        weekdays=[TUESDAY],
        local_time=dt.time(10),
        starts_on=START,
    )


def plan_dates() -> list[dt.date]:
    return [START + dt.timedelta(weeks=n) for n in range(15)]


def at_ten(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=LONDON)


def plan_mail(mailoutbox):
    return [m for m in mailoutbox if m.subject.startswith(PLAN_SUBJECTS)]


def run_layout_twice(capture, mailoutbox) -> int:
    """The hourly task, twice in a row; the second run must change nothing and send nothing."""
    with capture(execute=True):
        keep_slots_generated.apply().get()
    sent = len(mailoutbox)
    bookings = Booking.objects.count()
    with capture(execute=True):
        keep_slots_generated.apply().get()
    assert len(mailoutbox) == sent
    assert Booking.objects.count() == bookings
    return sent


def test_plan_from_26_weeks_books_every_week_to_the_due_date_as_the_horizon_opens(
    clock, rolling_clinic, therapist, django_capture_on_commit_callbacks, mailoutbox
):
    mother = make_ready_client(due_date=DUE, first_name="Maya")
    assert str(gestational_age_on(DUE, START)) == "26w0d"
    add_time_off(therapist=therapist, starts_on=OFF_DAY, ends_on=OFF_DAY, reason="Course")
    with django_capture_on_commit_callbacks(execute=True):
        result = book_tuesday_plan(mother, therapist)
    assert len(result.booked) == 4
    assert result.not_booked == []
    assert PlannedSession.objects.filter(status="planned").count() == 11

    while clock.now.date() <= DUE:
        clock.advance(weeks=1)
        run_layout_twice(django_capture_on_commit_callbacks, mailoutbox)

    sessions = {
        timezone.localtime(b.starts_at, LONDON).date(): b
        for b in Booking.objects.filter(client=mother, status="booked", plan=result.plan)
    }
    assert Booking.objects.filter(client=mother).count() == len(sessions) == 14
    missed = PlannedSession.objects.get(status="not_booked")
    assert missed.on == OFF_DAY
    assert "isn't working" in missed.reason
    alternatives = Slot.objects.filter(pk__in=missed.alternative_slot_ids)
    assert alternatives.exists()
    assert all(
        timezone.localtime(s.starts_at, LONDON).date().isocalendar()[1] == OFF_DAY.isocalendar()[1]
        for s in alternatives
    )
    for day in plan_dates():
        if day == OFF_DAY:
            assert day not in sessions
            continue
        booking = sessions[day]
        assert booking.starts_at == at_ten(day), day  # 10:00 local, across the clock change
        codes = set(
            booking.safety_flags.filter(closed_at__isnull=True).values_list("code", flat=True)
        )
        third = gestational_age_on(DUE, day).total_days >= 28 * 7
        assert ("third_trimester" in codes) == third, day

    # Each later date was told once (in the run that booked it), the missed one once too.
    bodies = [m.body for m in plan_mail(mailoutbox)]
    for day in plan_dates()[4:]:
        mentions = sum(f"{day:%A} {day.day} {day:%B %Y}, 10:00" in body for body in bodies)
        assert mentions == 1, day
    assert not PlannedSession.objects.filter(reported_at__isnull=True).exclude(status="cancelled")


def test_running_the_layout_twice_in_one_hour_books_nothing_twice(
    clock, rolling_clinic, therapist, django_capture_on_commit_callbacks, mailoutbox
):
    mother = make_ready_client(due_date=DUE)
    book_tuesday_plan(mother, therapist)
    clock.advance(days=7)
    run_layout_twice(django_capture_on_commit_callbacks, mailoutbox)
    assert len(plan_mail(mailoutbox)) == 1
    assert Booking.objects.filter(client=mother, status="booked").count() == 5


def test_preview_marks_dates_past_the_horizon_as_booking_automatically(
    clock, rolling_clinic, therapist
):
    mother = make_ready_client(due_date=DUE)
    preview = preview_plan(
        client=mother,
        therapist=therapist,
        weekdays=[TUESDAY],
        local_time=dt.time(10),
        starts_on=START,
    )
    later = [planned for planned in preview.dates if planned.status == LATER]
    assert len(later) == 11
    first = later[0]
    assert first.on == dt.date(2027, 2, 2)
    assert first.books_on == dt.date(2027, 1, 5)


def test_plan_holders_win_a_time_laid_out_ahead_of_the_horizon(
    clock, rolling_clinic, therapist, django_capture_on_commit_callbacks, mailoutbox
):
    """A time the clinic laid out early is held for the plan: the public cannot take it first."""
    mother = make_ready_client(due_date=DUE)
    other = make_ready_client(due_date=DUE)
    held_day = dt.date(2027, 2, 9)
    generate_slots(therapist=therapist, start=held_day, end=held_day)
    book_tuesday_plan(mother, therapist)
    held = Slot.objects.get(starts_at=at_ten(held_day))
    # The public's horizon reaches the time at 10:00 on 12 January; the layout has not run.
    clock.move_to(at_ten(dt.date(2027, 1, 12)) + dt.timedelta(minutes=1))
    assert held not in bookable_slots(clinic=rolling_clinic)
    with pytest.raises(SlotUnavailable, match="kept for a client's weekly plan"):
        book_session(client=other, slot=held)
    with django_capture_on_commit_callbacks(execute=True):
        keep_slots_generated.apply().get()
    assert held.bookings.get(status="booked").client == mother
    with pytest.raises(SlotUnavailable):
        book_session(client=other, slot=held)


def test_plan_page_and_my_bookings_show_booked_and_planned_dates(
    client, clock, rolling_clinic, therapist, django_capture_on_commit_callbacks, mailoutbox
):
    mother = make_ready_client(due_date=DUE)
    add_time_off(therapist=therapist, starts_on=OFF_DAY, ends_on=OFF_DAY, reason="Course")
    result = book_tuesday_plan(mother, therapist)
    for _ in range(5):
        clock.advance(weeks=1)
        run_layout_twice(django_capture_on_commit_callbacks, mailoutbox)
    client.force_login(mother)

    page = client.get(reverse("booking:plan_detail", kwargs={"pk": result.plan.pk}))
    body = page.content.decode()
    assert body.count("booking-row booking-booked") == 8
    assert body.count("Books automatically on") == 6
    assert "Books automatically on Tue 9 Feb, when the clinic opens that week" in body
    assert "Not booked" in body and "isn&#x27;t working at that time" in body
    assert "Thu 4 Mar, 09:00" in body  # the nearest free time that week, to book instead

    mine = client.get(reverse("booking:my_bookings")).content.decode()
    assert mine.count("Books automatically on") == 6
    assert "See times that week" in mine


def test_dates_of_a_therapist_no_longer_offered_are_reported_once_not_left_waiting(
    clock, rolling_clinic, therapist, django_capture_on_commit_callbacks, mailoutbox
):
    from booking.services.slots import deactivate_therapist

    mother = make_ready_client(due_date=DUE)
    book_tuesday_plan(mother, therapist)
    deactivate_therapist(therapist=therapist)
    clock.advance(weeks=1)
    run_layout_twice(django_capture_on_commit_callbacks, mailoutbox)
    missed = PlannedSession.objects.get(status="not_booked")
    assert missed.on == dt.date(2027, 2, 2)
    assert "isn't working" in missed.reason
    assert PlannedSession.objects.filter(status="planned").count() == 10
    assert len(plan_mail(mailoutbox)) == 1
