"""`seed_demo` creates the demo and running it twice changes nothing."""

import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.models import User
from booking.demo import CLIENT_EMAIL, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("accounts", "clinics", "booking", "safety")
        for model in apps.get_app_config(app).get_models()
    }


def test_seed_demo_twice_gives_the_same_row_counts():
    call_command("seed_demo", verbosity=0)
    first = row_counts()
    call_command("seed_demo", verbosity=0)

    assert row_counts() == first
    assert first["clinics.Clinic"] == 2
    assert first["clinics.Therapist"] >= 4


def test_seed_demo_creates_an_account_for_each_role():
    call_command("seed_demo", verbosity=0)

    roles = {user.email: user.role for user in User.objects.all()}
    assert roles[CLIENT_EMAIL] == User.Role.CLIENT
    assert roles["rosa@bolster.example"] == User.Role.THERAPIST
    assert roles["admin.camden@bolster.example"] == User.Role.CLINIC_ADMIN
    assert roles["operator@bolster.example"] == User.Role.OPERATOR
    assert User.objects.get(email=CLIENT_EMAIL).check_password(DEMO_PASSWORD)


def test_demo_clinics_are_in_different_time_zones():
    from clinics.models import Clinic

    call_command("seed_demo", verbosity=0)

    assert set(Clinic.objects.values_list("time_zone", flat=True)) == {
        "Europe/London",
        "America/New_York",
    }
