"""Inviting a therapist by an e-mail that already has an account on Bolster."""

import pytest
from django.urls import reverse

from accounts.models import User
from clinics.models import Therapist
from clinics.services import ClientAccount, invite_therapist
from tests.booking.conftest import make_ready_client

pytestmark = pytest.mark.django_db


def test_a_clients_email_is_refused_by_the_field_and_she_stays_a_client(
    client, clinic, clinic_admin, mailoutbox
):
    maya = make_ready_client(first_name="Maya", last_name="Okafor", email="maya@example.com")
    client.force_login(clinic_admin)

    response = client.post(
        reverse("clinics:therapist_invite", args=[clinic.slug]),
        {"email": "MAYA@example.com", "first_name": "Someone", "last_name": "Else"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [ClientAccount.default_message]
    assert 'value="Someone"' in response.content.decode()
    assert not Therapist.objects.exists()
    assert mailoutbox == []
    maya.refresh_from_db()
    assert maya.role == User.Role.CLIENT
    assert maya.first_name == "Maya"


def test_an_admin_can_also_be_invited_as_a_therapist_of_her_clinic(clinic, clinic_admin):
    therapist = invite_therapist(
        clinic=clinic,
        email=clinic_admin.email,
        first_name=clinic_admin.first_name,
        last_name=clinic_admin.last_name,
        invited_by=clinic_admin,
    )

    assert therapist.user == clinic_admin
