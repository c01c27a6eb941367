"""The therapist's day with a session that falls before the pregnancy began by a new due date."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.booking.conftest import local_today
from tests.factories import BookingFactory, PregnancyProfileFactory, SlotFactory

pytestmark = pytest.mark.django_db


def test_a_session_before_0w0d_shows_without_a_week_instead_of_failing(client, therapist):
    clinic = therapist.clinic
    today = local_today(clinic)
    # Earlier today, so her due date change (now 40 weeks 3 days away) was not checked against it.
    starts_at = dt.datetime.combine(today, dt.time(0, 30), tzinfo=clinic.tz)
    booking = BookingFactory(
        slot=SlotFactory(
            therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
        )
    )
    PregnancyProfileFactory(client=booking.client, due_date=today + dt.timedelta(days=283))
    client.force_login(therapist.user)

    response = client.get(reverse("sessions:day"))

    assert response.status_code == 200
    assert [b.pk for b in response.context["today_sessions"]] == [booking.pk]
    assert response.context["today_sessions"][0].gestational_age is None
