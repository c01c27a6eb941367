"""A refused form comes back with what she typed and the error beside the field concerned."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.booking.conftest import make_ready_client, next_weekday, slot_at
from tests.factories import WorkingHoursFactory
from tests.safety.test_views import intake_data, profile_data

pytestmark = pytest.mark.django_db


def field_error(page: str, field: str) -> str:
    """The error text crispy-forms renders under ``field`` (by its ``error_N_id_<field>``)."""
    match = re.search(rf'id="error_\d+_id_{field}"[^>]*>(.*?)</', page, re.S)
    assert match, f"no error shown beside {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_profile_keeps_her_contacts_when_the_due_date_is_refused(client, client_user):
    client.force_login(client_user)
    too_far = (timezone.localdate() + dt.timedelta(weeks=45)).isoformat()

    response = client.post(reverse("safety:profile"), profile_data(due_date=too_far))

    page = response.content.decode()
    assert response.status_code == 200
    assert "more than 42 weeks away" in field_error(page, "due_date")
    assert f'value="{too_far}"' in page
    assert 'value="+44 7400 900123"' in page
    assert 'value="Sam Okafor"' in page


def test_intake_keeps_her_answers_and_notes_without_consent(client, client_user):
    client.force_login(client_user)

    response = client.post(
        reverse("safety:intake"),
        intake_data(yes=["sciatica"], consent=False, sciatica="Left leg, worse at night"),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Please tick this box" in field_error(page, "consent")
    assert "Left leg, worse at night" in page
    assert re.search(r'name="q_sciatica" value="yes"[^>]*checked', page)


def test_plan_form_keeps_her_choices_beside_the_error(client, therapist):
    maya = make_ready_client()
    client.force_login(maya)
    start = next_weekday(therapist.clinic, 0)
    for weekday in (0, 1):
        WorkingHoursFactory(therapist=therapist, weekday=weekday, starts_at=dt.time(10))
    url = reverse("booking:plan", kwargs={"slug": therapist.clinic.slug})

    response = client.get(
        url,
        {
            "therapist": therapist.pk,
            "weekdays": [0, 1],
            "local_time": "10:00",
            "starts_on": start.isoformat(),
        },
    )

    page = response.content.decode()
    assert "a day of rest between them" in field_error(page, "weekdays")
    # The error is read out with each box, and her ticks stay.
    assert 'aria-describedby="error_1_id_weekdays id_weekdays_helptext"' in page
    assert re.search(r'name="weekdays" value="1"[^>]*checked', page)
    assert f'value="{start.isoformat()}"' in page
    assert f'name="therapist" value="{therapist.pk}"' in page


def test_clinic_settings_keep_what_she_typed_beside_the_error(client, clinic, clinic_admin):
    client.force_login(clinic_admin)
    data = {
        "name": "Camden Bump Clinic and Spa",
        "address": "2 Low Road\nLondon",
        "phone": "+44 20 7946 0999",
        "email": "spa@example.com",
        "session_minutes": "5",
        "turnover_minutes": "15",
        "cancellation_notice_hours": "24",
        "booking_horizon_weeks": "8",
        "reminder_hours": "24, two",
    }

    response = client.post(reverse("clinics:settings", kwargs={"slug": clinic.slug}), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "15" in field_error(page, "session_minutes")
    assert "whole hours" in field_error(page, "reminder_hours").lower()
    assert 'value="Camden Bump Clinic and Spa"' in page
    assert 'value="24, two"' in page
    clinic.refresh_from_db()
    assert clinic.name == "Camden Bump Clinic"


def test_block_days_form_keeps_the_dates_beside_the_missing_reason(client, clinic_admin, therapist):
    client.force_login(clinic_admin)
    day = next_weekday(therapist.clinic, 2).isoformat()

    response = client.post(
        reverse("schedule:range", kwargs={"slug": therapist.clinic.slug}),
        {"therapist": therapist.pk, "starts_on": day, "ends_on": day, "reason": " "},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "say why" in field_error(page, "reason")
    assert page.count(f'value="{day}"') == 2
    assert re.search(rf'<option value="{therapist.pk}"[^>]*selected', page)


def test_blocking_one_slot_without_a_reason_says_so_beside_the_field(
    client, clinic_admin, therapist
):
    client.force_login(clinic_admin)
    slot = slot_at(therapist, next_weekday(therapist.clinic, 2))

    response = client.post(
        reverse("schedule:slot", kwargs={"slug": therapist.clinic.slug, "slot_id": slot.pk}),
        {"action": "block", "reason": ""},
    )

    assert response.status_code == 200
    assert "required" in field_error(response.content.decode(), "reason")
