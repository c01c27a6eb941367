"""The clinic's week shows, on each booked slot, whether the session is on hold or still needs
a clearance, in the same single query for the slots."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.services import book_session
from booking.services import flags as flag_services
from safety.models import Clearance
from tests.booking.conftest import local_today, make_ready_client, slot_at

pytestmark = pytest.mark.django_db


def test_booked_slots_wear_their_safety_chip(client, clinic_admin, therapist):
    clinic = therapist.clinic
    day = local_today(clinic) + dt.timedelta(days=3)
    needs = book_session(
        client=make_ready_client(conditions=["hypertension"], first_name="Nia"),
        slot=slot_at(therapist, day, dt.time(9)),
    )
    cleared_mother = make_ready_client(conditions=["hypertension"], first_name="Cleo")
    book_session(client=cleared_mother, slot=slot_at(therapist, day, dt.time(11)))
    Clearance.objects.create(
        client=cleared_mother,
        code="hypertension",
        issued_by="Dr Ana Reyes",
        issued_on=local_today(clinic),
        recorded_by=therapist.user,
    )
    held = book_session(
        client=make_ready_client(first_name="Hana"), slot=slot_at(therapist, day, dt.time(14))
    )
    held.client.intake_responses.update(conditions=["suspected_dvt"])
    flag_services.write_flags(booking=held)
    book_session(
        client=make_ready_client(first_name="Plain"), slot=slot_at(therapist, day, dt.time(16))
    )
    client.force_login(clinic_admin)

    response = client.get(reverse("schedule:week", args=[clinic.slug]), {"week": day.isoformat()})

    cells = {
        cell.label: cell.safety
        for week in response.context["grid"].therapists
        for d in week.days
        for cell in d.cells
    }
    assert cells == {"Nia": "clearance_needed", "Cleo": "cleared", "Hana": "hold", "Plain": ""}
    page = response.content.decode()
    assert 'data-safety="clearance_needed">Clearance needed</span>' in page
    assert 'data-safety="hold">On hold</span>' in page
    assert needs.pk
