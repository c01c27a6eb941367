"""Her working hours as a week grid: several stretches a day, each changed in place."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import Slot
from tests.factories import TherapistFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = 0, 1


@pytest.fixture
def admin_client(client, clinic_admin):
    client.force_login(clinic_admin)
    return client


def grid_url(therapist):
    return reverse("schedule:hours", args=[therapist.clinic.slug, therapist.pk])


def test_the_grid_shows_every_day_and_each_of_its_stretches(admin_client, therapist):
    WorkingHoursFactory(therapist=therapist, weekday=MONDAY, ends_at=dt.time(12))
    WorkingHoursFactory(
        therapist=therapist, weekday=MONDAY, starts_at=dt.time(14), ends_at=dt.time(18)
    )

    response = admin_client.get(grid_url(therapist))

    week = response.context["week"]
    assert [day.name for day in week][:2] == ["Monday", "Tuesday"] and len(week) == 7
    assert [str(s) for s in week[MONDAY].stretches] == ["Monday 09:00–12:00", "Monday 14:00–18:00"]
    assert week[TUESDAY].stretches == []
    page = response.content.decode()
    assert 'value="14:00"' in page and "Not working." in page


def test_a_second_stretch_is_added_to_a_day_in_place(admin_client, therapist):
    WorkingHoursFactory(therapist=therapist, weekday=TUESDAY, ends_at=dt.time(12))

    response = admin_client.post(
        grid_url(therapist),
        {"weekday": TUESDAY, "starts_at": "13:00", "ends_at": "17:00", "in_grid": "1"},
    )

    assert response.status_code == 302
    assert [str(s) for s in therapist.working_hours.all()] == [
        "Tuesday 09:00–12:00",
        "Tuesday 13:00–17:00",
    ]


def test_an_overlapping_stretch_is_refused_beside_its_day_keeping_her_input(
    admin_client, therapist
):
    WorkingHoursFactory(therapist=therapist, weekday=TUESDAY, ends_at=dt.time(12))

    response = admin_client.post(
        grid_url(therapist),
        {"weekday": TUESDAY, "starts_at": "11:00", "ends_at": "15:00", "in_grid": "1"},
    )

    assert response.status_code == 200
    tuesday = response.context["week"][TUESDAY]
    assert "overlap" in str(tuesday.add_form.errors)
    assert response.context["week"][MONDAY].add_form.errors == {}
    page = response.content.decode()
    assert 'id="add-start-1" name="starts_at" value="11:00"' in page
    assert therapist.working_hours.count() == 1


def test_changing_a_stretch_in_place_lays_out_her_slots_again(admin_client, therapist):
    stretch = WorkingHoursFactory(therapist=therapist, weekday=MONDAY)  # 09:00–13:00

    response = admin_client.post(
        reverse("schedule:hours_change", args=[therapist.clinic.slug, therapist.pk, stretch.pk]),
        {"starts_at": "10:00", "ends_at": "12:00"},
    )

    assert response.status_code == 302
    stretch.refresh_from_db()
    assert str(stretch) == "Monday 10:00–12:00"
    local_starts = {
        f"{s.starts_at.astimezone(therapist.clinic.tz):%H:%M}"
        for s in Slot.objects.filter(therapist=therapist)
    }
    assert local_starts <= {"10:00"}


def test_a_bad_change_shows_beside_the_stretch_and_saves_nothing(admin_client, therapist):
    stretch = WorkingHoursFactory(therapist=therapist, weekday=MONDAY)
    url = reverse("schedule:hours_change", args=[therapist.clinic.slug, therapist.pk, stretch.pk])

    response = admin_client.post(url, {"starts_at": "15:00", "ends_at": "11:00"})

    assert response.status_code == 200
    assert "The end must be after the start." in response.content.decode()
    assert f'id="start-{stretch.pk}" name="starts_at" value="15:00"' in response.content.decode()
    stretch.refresh_from_db()
    assert str(stretch) == "Monday 09:00–13:00"


def test_another_clinics_stretch_is_not_found(admin_client, therapist):
    stranger = WorkingHoursFactory(therapist=TherapistFactory(), weekday=MONDAY)
    url = reverse("schedule:hours_change", args=[therapist.clinic.slug, therapist.pk, stranger.pk])
    assert admin_client.post(url, {"starts_at": "10:00", "ends_at": "12:00"}).status_code == 404
