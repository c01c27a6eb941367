"""Her bookings and the therapist's day cost the same number of queries whatever she holds:
health conditions, clearance flags with and without a clearance, a plan, moved sessions."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import Plan
from booking.services import book_session, move_booking
from safety.models import Clearance
from tests.booking.conftest import local_today, make_ready_client, slot_at

pytestmark = pytest.mark.django_db

# Health answers that give every session a clearance flag and an adapt flag.
CONDITIONS = ["hypertension", "sciatica"]


def full_history(therapist, *, sessions: int, hour: int = 10):
    """``sessions`` upcoming sessions in a weekly plan, with clearance flags (the first half
    covered by a recorded clearance), the first of them moved to ``hour`` + 5."""
    client = make_ready_client(conditions=CONDITIONS)
    today = local_today(therapist.clinic)
    plan = Plan.objects.create(
        client=client,
        therapist=therapist,
        weekdays=[today.weekday()],
        local_time=dt.time(10),
        starts_on=today,
        ends_on=today + dt.timedelta(weeks=sessions + 2),
    )
    bookings = []
    for offset in range(sessions):
        booking = book_session(
            client=client,
            slot=slot_at(therapist, today + dt.timedelta(days=3 + offset), dt.time(hour)),
        )
        booking.plan = plan
        booking.save(update_fields=["plan"])
        bookings.append(booking)
    Clearance.objects.create(
        client=client,
        code="hypertension",
        issued_by="Dr Ana Reyes, obstetrician",
        issued_on=today,
        valid_until=today + dt.timedelta(days=3 + sessions // 2),
        recorded_by=therapist.user,
    )
    move_booking(
        booking=bookings[0],
        new_slot=slot_at(therapist, today + dt.timedelta(days=3), dt.time(hour + 5)),
    )
    return client


@pytest.mark.parametrize("sessions", [1, 6])
def test_my_bookings_query_count_is_constant(
    client, therapist, django_assert_num_queries, sessions
):
    mother = full_history(therapist, sessions=sessions)
    client.force_login(mother)
    # session, user (with her role), bookings, their open flags, her clearances, and the
    # planned dates of her plans
    with django_assert_num_queries(6):
        response = client.get(reverse("booking:my_bookings"))
    assert len(response.context["upcoming"]) == sessions
    page = response.content.decode()
    assert "Clearance received" in page
    if sessions > 1:
        # The later sessions fall after the clearance ends: they still ask for one.
        assert "Clearance needed" in page


@pytest.mark.parametrize("sessions", [1, 4])
def test_therapist_day_query_count_is_constant(
    client, therapist, django_assert_num_queries, sessions
):
    for hour in (9, 10):
        full_history(therapist, sessions=sessions, hour=hour)
    client.force_login(therapist.user)
    # session, user (with her role and therapist row), her clinic, the sessions, their
    # flags, their clients' clearances, their clients' latest answers (her notes on the chips)
    with django_assert_num_queries(7):
        response = client.get(reverse("sessions:day"))
    assert len(response.context["week_sessions"]) + len(response.context["today_sessions"]) == (
        2 * sessions
    )
