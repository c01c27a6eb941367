"""The demo client's pregnancy profile and answers are seeded once."""

import datetime as dt

import pytest
from django.utils import timezone

from booking import demo
from safety.models import IntakeResponse, PregnancyProfile

pytestmark = pytest.mark.django_db


def test_demo_client_gets_a_profile_and_answers_once():
    demo.seed_people()
    demo.seed_client_health()
    demo.seed_client_health()
    profile = PregnancyProfile.objects.get(client__email=demo.CLIENT_EMAIL)
    assert profile.due_date == timezone.localdate() + dt.timedelta(weeks=22)
    intake = IntakeResponse.objects.get(client__email=demo.CLIENT_EMAIL)
    assert set(intake.conditions) == {"sciatica", "varicose_veins"}
