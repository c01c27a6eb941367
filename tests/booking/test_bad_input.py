"""Booking pages given ids that only look like numbers, or a time that has gone meanwhile."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import Booking, Plan
from booking.services import book_session
from tests.booking.conftest import make_ready_client, next_weekday, slot_at

pytestmark = pytest.mark.django_db


def plan_params(therapist, monday):
    return {
        "therapist": therapist.pk,
        "weekdays": [0],
        "local_time": "10:00",
        "starts_on": monday.isoformat(),
        "ends_on": (monday + dt.timedelta(days=6)).isoformat(),
    }


@pytest.mark.parametrize("garbage", ["²", "٣", "99999999999999999999", "0"])
def test_plan_with_a_slot_id_that_only_looks_like_a_number_books_nothing(
    client, therapist, garbage
):
    maya = make_ready_client()
    monday = next_weekday(therapist.clinic, 0)
    slot_at(therapist, monday)
    client.force_login(maya)
    url = reverse("booking:plan", kwargs={"slug": therapist.clinic.slug})

    response = client.post(url, {**plan_params(therapist, monday), "slot": [garbage]})

    assert response.status_code == 400
    assert "None of the dates could be booked" in response.content.decode()
    assert not Plan.objects.exists()
    assert not Booking.objects.exists()


@pytest.mark.parametrize("garbage", ["²", "99999999999999999999"])
def test_block_days_form_ignores_a_therapist_id_that_only_looks_like_a_number(
    client, clinic_admin, therapist, garbage
):
    client.force_login(clinic_admin)
    url = reverse("schedule:range", kwargs={"slug": therapist.clinic.slug})

    response = client.get(url, {"therapist": garbage, "day": "2026-13-01"})

    assert response.status_code == 200
    assert response.context["form"].initial.get("therapist") is None


def test_moving_to_a_time_withdrawn_meanwhile_says_so_and_keeps_her_session(client, therapist):
    maya = make_ready_client()
    booking = book_session(client=maya, slot=slot_at(therapist, next_weekday(therapist.clinic, 0)))
    gone = slot_at(therapist, next_weekday(therapist.clinic, 2))
    gone_id = gone.pk
    gone.delete()
    client.force_login(maya)

    response = client.post(reverse("booking:move", kwargs={"pk": booking.pk}), {"slot": gone_id})

    assert response.status_code == 409
    assert "no longer offered" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


@pytest.mark.parametrize("garbage", ["", "abc", "-1", "²"])
def test_moving_without_a_real_choice_asks_her_to_choose(client, therapist, garbage):
    maya = make_ready_client()
    booking = book_session(client=maya, slot=slot_at(therapist, next_weekday(therapist.clinic, 0)))
    client.force_login(maya)

    response = client.post(
        reverse("booking:move", kwargs={"pk": booking.pk}), {"slot": garbage}, follow=True
    )

    assert response.status_code == 200
    assert "Choose a new time." in response.content.decode()
    assert Booking.objects.get().status == Booking.Status.BOOKED
