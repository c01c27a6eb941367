"""A clearance's date is the clinic's date: "today" is today where the clinic is, not in UTC."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from booking.services import flags as flag_services
from safety.models import Clearance
from tests.factories import (
    BookingFactory,
    ClinicFactory,
    IntakeResponseFactory,
    PregnancyProfileFactory,
    SlotFactory,
    TherapistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# 00:30 on 16 July in London (BST, UTC+1) is still 15 July in UTC;
# and 19:30 on 15 July in New York (EDT, UTC-4).
SUMMER_NIGHT = dt.datetime(2026, 7, 15, 23, 30, tzinfo=dt.UTC)


@pytest.fixture
def frozen(frozen_clock):
    frozen_clock(SUMMER_NIGHT)


def session_needing_clearance(time_zone: str):
    """A session in two days at a clinic in ``time_zone``, with a clearance flag."""
    clinic = ClinicFactory(time_zone=time_zone)
    therapist = TherapistFactory(clinic=clinic)
    mother = UserFactory()
    PregnancyProfileFactory(client=mother, due_date=dt.date(2026, 10, 20))
    IntakeResponseFactory(client=mother, conditions=["hypertension"])
    starts_at = dt.datetime(2026, 7, 18, 10, tzinfo=zoneinfo.ZoneInfo(time_zone))
    slot = SlotFactory(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )
    booking = BookingFactory(client=mother, slot=slot)
    flag_services.write_flags(booking=booking)
    assert flag_services.clearance_needed(booking)
    return booking


def post_clearance(client, booking, *, issued_on: str):
    """The therapist records a hypertension clearance through her session's page."""
    client.force_login(booking.slot.therapist.user)
    return client.post(
        reverse("sessions:record_clearance", args=[booking.pk]),
        {
            "code": "hypertension",
            "issued_by": "Dr Ana Reyes, obstetrician",
            "issued_on": issued_on,
            "valid_until": "",
            "note": "",
        },
    )


def test_a_clearance_dated_today_is_accepted_at_half_past_midnight_in_london(client, frozen):
    booking = session_needing_clearance("Europe/London")

    response = post_clearance(client, booking, issued_on="2026-07-16")

    assert response.status_code == 302
    assert Clearance.objects.get(client=booking.client).issued_on == dt.date(2026, 7, 16)
    assert not flag_services.clearance_needed(booking)


def test_the_service_takes_the_clinics_date_too(frozen):
    booking = session_needing_clearance("Europe/London")
    flag_services.record_clearance(
        booking=booking,
        code="hypertension",
        issued_by="Dr Ana Reyes, obstetrician",
        issued_on=dt.date(2026, 7, 16),
        valid_until=None,
        note="",
        recorded_by=booking.slot.therapist.user,
    )
    assert Clearance.objects.filter(client=booking.client).exists()


def test_tomorrow_at_the_clinic_is_still_refused_as_in_the_future(client, frozen):
    booking = session_needing_clearance("Europe/London")

    response = post_clearance(client, booking, issued_on="2026-07-17")

    assert response.status_code == 200
    assert "cannot be dated in the future" in response.content.decode()
    assert not Clearance.objects.exists()


@pytest.mark.parametrize(
    ("time_zone", "proposed"),
    [("America/New_York", dt.date(2026, 7, 15)), ("Europe/London", dt.date(2026, 7, 16))],
)
def test_the_form_proposes_the_clinics_today(client, frozen, time_zone, proposed):
    booking = session_needing_clearance(time_zone)
    client.force_login(booking.slot.therapist.user)

    response = client.get(reverse("sessions:review", args=[booking.pk]))

    form = response.context["clearance_form"]
    assert form["issued_on"].value() == proposed
