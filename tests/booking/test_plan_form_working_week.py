"""The plan form offers only the chosen therapist's days and times; the preview names each kind
of date that can't be booked (taken, therapist off, not open yet, safety) differently."""

import datetime as dt

import pytest
from django.urls import reverse

from booking import queries
from booking.services import preview_plan
from booking.services.plans import FREE, NOT_OPEN, OFF, SAFETY, TAKEN
from tests.booking.conftest import local_today, make_ready_client, next_weekday, slot_at
from tests.factories import BookingFactory, TherapistFactory, TimeOffFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db

MONDAY, WEDNESDAY, FRIDAY = 0, 2, 4


@pytest.fixture
def rosa(therapist):
    # Mondays 10:00–13:00 and Wednesdays 14:00–16:15: sessions at 10:00, 11:15; 14:00, 15:15.
    WorkingHoursFactory(therapist=therapist, weekday=MONDAY, starts_at=dt.time(10))
    WorkingHoursFactory(
        therapist=therapist, weekday=WEDNESDAY, starts_at=dt.time(14), ends_at=dt.time(16, 15)
    )
    return therapist


def test_working_week_lays_out_her_hours_like_the_slot_generator(rosa):
    week = queries.working_week(therapist=rosa, today=local_today(rosa.clinic))
    assert week == {
        MONDAY: [dt.time(10), dt.time(11, 15)],
        WEDNESDAY: [dt.time(14), dt.time(15, 15)],
    }


def test_a_time_the_clinic_opened_by_hand_counts_as_a_working_time(rosa):
    friday = next_weekday(rosa.clinic, FRIDAY)
    slot_at(rosa, friday, dt.time(9))
    week = queries.working_week(therapist=rosa, today=local_today(rosa.clinic))
    assert week[FRIDAY] == [dt.time(9)]


def test_form_offers_only_her_days_and_times(client, rosa):
    client.force_login(make_ready_client())
    url = reverse("booking:plan", kwargs={"slug": rosa.clinic.slug})

    page = client.get(url).content.decode()

    assert 'name="weekdays" value="0"' in page
    assert 'name="weekdays" value="2"' in page
    for off_day in (1, 3, 4, 5, 6):
        assert f'name="weekdays" value="{off_day}"' not in page
    assert '<option value="10:00">10:00 (Mon)</option>' in page
    assert '<option value="14:00">14:00 (Wed)</option>' in page


def test_a_time_she_does_not_work_on_a_chosen_day_is_refused_beside_the_field(client, rosa):
    client.force_login(make_ready_client())
    url = reverse("booking:plan", kwargs={"slug": rosa.clinic.slug})
    start = next_weekday(rosa.clinic, MONDAY)

    response = client.get(
        url,
        {
            "therapist": rosa.pk,
            "weekdays": [MONDAY, WEDNESDAY],
            "local_time": "10:00",
            "starts_on": start.isoformat(),
        },
    )

    assert response.context["preview"] is None
    errors = response.context["form"].errors
    assert errors["local_time"] == [
        "Rosa Lind doesn't start a session at 10:00 on Wednesday. Choose a time listed with "
        "that day."
    ]


def test_a_day_she_does_not_work_is_refused(client, rosa):
    client.force_login(make_ready_client())
    url = reverse("booking:plan", kwargs={"slug": rosa.clinic.slug})
    response = client.get(
        url,
        {
            "therapist": rosa.pk,
            "weekdays": [FRIDAY],
            "local_time": "10:00",
            "starts_on": next_weekday(rosa.clinic, MONDAY).isoformat(),
        },
    )
    assert "doesn't work on one of those days" in response.context["form"].errors["weekdays"][0]


def test_with_several_therapists_she_chooses_one_first(client, rosa):
    amira = TherapistFactory(clinic=rosa.clinic, display_name="Amira Haddad")
    WorkingHoursFactory(therapist=amira, weekday=1)
    TherapistFactory(clinic=rosa.clinic, display_name="Just Invited")  # no hours yet
    client.force_login(make_ready_client())
    url = reverse("booking:plan", kwargs={"slug": rosa.clinic.slug})

    response = client.get(url)

    assert response.context["form"] is None
    assert "Just Invited" not in response.content.decode()
    page = response.content.decode()
    assert f'href="?therapist={rosa.pk}"' in page
    assert "Plan with Amira Haddad" in page


def test_preview_tells_taken_off_not_open_and_safety_apart(rosa, frozen_clock):
    # A Tuesday noon: the fourth Monday ahead is beyond a three-week horizon, the third is not.
    frozen_clock(dt.datetime(2027, 3, 2, 12, tzinfo=dt.UTC))
    clinic = rosa.clinic
    clinic.booking_horizon_weeks = 3
    clinic.raised_severities = {"third_trimester": "block"}
    clinic.save()
    start = next_weekday(clinic, MONDAY)
    # Third trimester (blocked by this clinic) from the sixth Monday.
    client = make_ready_client(due_date=start + dt.timedelta(weeks=5 + 12))
    mondays = [start + dt.timedelta(weeks=n) for n in range(7)]
    slots = {day: slot_at(rosa, day) for day in mondays[:3]}
    BookingFactory(slot=slots[mondays[1]])
    TimeOffFactory(therapist=rosa, starts_on=mondays[2], ends_on=mondays[2])
    slots[mondays[2]].delete()

    preview = preview_plan(
        client=client,
        therapist=rosa,
        weekdays=[MONDAY],
        local_time=dt.time(10),
        starts_on=start,
        ends_on=mondays[-1],
    )

    statuses = [planned.status for planned in preview.dates]
    assert statuses == [FREE, TAKEN, OFF, NOT_OPEN, NOT_OPEN, SAFETY, SAFETY]
    words = [planned.words for planned in preview.dates]
    assert words[1:4] == ["Taken", "Therapist off", "Not open yet"]
    assert "opens on" in preview.dates[3].reason
    # The safety reason is said once for the page, not once per date.
    assert len(preview.safety_reasons) == 1


def test_preview_with_nothing_to_tick_offers_no_book_button(client, rosa):
    client.force_login(make_ready_client(conditions=["fever_or_infection"]))
    start = next_weekday(rosa.clinic, MONDAY)
    for week in range(3):
        slot_at(rosa, start + dt.timedelta(weeks=week))
    url = reverse("booking:plan", kwargs={"slug": rosa.clinic.slug})
    page = client.get(
        url,
        {
            "therapist": rosa.pk,
            "weekdays": [MONDAY],
            "local_time": "10:00",
            "starts_on": start.isoformat(),
            "ends_on": (start + dt.timedelta(weeks=2)).isoformat(),
        },
    ).content.decode()

    assert "Book the ticked dates" not in page
    assert page.count("Rest and get well first.") == 1
    assert page.count("Safety: not bookable") == 3
