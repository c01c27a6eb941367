"""Recording the birth on her profile, and flags under rule set 2026.12."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.services.flags import write_flags
from privacy.services import export_client_data
from safety import births, services
from safety.models import AuditEntry, SafetyFlag
from tests.factories import (
    BookingFactory,
    IntakeResponseFactory,
    PregnancyProfileFactory,
    SlotFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mother(client_user):
    PregnancyProfileFactory(client=client_user, due_date=timezone.localdate() + dt.timedelta(3))
    IntakeResponseFactory(client=client_user, conditions=[])
    return client_user


def test_birth_is_stored_once_and_audited(mother):
    today = timezone.localdate()
    profile = births.record_birth(
        client=mother, birth_date=today, delivery="caesarean", recorded_by=mother
    )
    assert (profile.birth_date, profile.delivery) == (today, "caesarean")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RECORDED_BIRTH)
    assert entry.client == mother
    with pytest.raises(births.BirthError, match="already recorded"):
        births.record_birth(client=mother, birth_date=today, delivery="vaginal", recorded_by=mother)


@pytest.mark.parametrize(
    ("offset_days", "delivery", "message"),
    [
        (1, "vaginal", "future"),
        (-200, "vaginal", "20 weeks before"),
        (0, "forceps", "vaginal or by caesarean"),
    ],
)
def test_an_impossible_birth_is_refused_and_nothing_is_stored(
    mother, offset_days, delivery, message
):
    with pytest.raises(births.BirthError, match=message):
        births.record_birth(
            client=mother,
            birth_date=timezone.localdate() + dt.timedelta(days=offset_days),
            delivery=delivery,
            recorded_by=mother,
        )
    mother.pregnancy_profile.refresh_from_db()
    assert mother.pregnancy_profile.birth_date is None
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.RECORDED_BIRTH).exists()


def test_flags_after_the_birth_are_postnatal_with_the_new_version(mother, therapist):
    births.record_birth(
        client=mother, birth_date=timezone.localdate(), delivery="vaginal", recorded_by=mother
    )
    starts_at = timezone.now() + dt.timedelta(days=20)
    slot = SlotFactory(therapist=therapist, starts_at=starts_at)
    booking = BookingFactory(client=mother, slot=slot)
    flags = write_flags(booking=booking)
    assert {flag.code for flag in flags} == {"postnatal_clot_risk", "postnatal_early"}
    assert {flag.ruleset_version for flag in flags} == {"2026.12"}


def test_an_unchanged_rule_keeps_its_old_flag_and_version(mother, therapist):
    starts_at = timezone.now() + dt.timedelta(days=1)
    booking = BookingFactory(
        client=mother, slot=SlotFactory(therapist=therapist, starts_at=starts_at)
    )
    write_flags(booking=booking)
    SafetyFlag.objects.filter(booking=booking).update(ruleset_version="2026.11")
    before = set(SafetyFlag.objects.values_list("pk", flat=True))
    write_flags(booking=booking)
    assert set(SafetyFlag.objects.values_list("pk", flat=True)) == before
    assert set(SafetyFlag.objects.values_list("ruleset_version", flat=True)) == {"2026.11"}


def test_a_session_beyond_a_year_after_the_birth_is_refused(mother, clinic):
    births.record_birth(
        client=mother, birth_date=timezone.localdate(), delivery="vaginal", recorded_by=mother
    )
    with pytest.raises(services.SafetyError, match="52 weeks"):
        services.findings_for(
            client=mother, clinic=clinic, on=timezone.localdate() + dt.timedelta(weeks=53)
        )


def test_intake_asks_the_postnatal_red_flags_only_after_the_birth(client, mother):
    client.force_login(mother)
    question = "soaks a pad in an hour"
    assert question not in client.get(reverse("safety:intake")).content.decode()
    births.record_birth(
        client=mother, birth_date=timezone.localdate(), delivery="vaginal", recorded_by=mother
    )
    page = client.get(reverse("safety:intake")).content.decode()
    assert question in page
    assert "coughing up blood" in page


def test_her_export_holds_the_birth(mother):
    births.record_birth(
        client=mother, birth_date=timezone.localdate(), delivery="caesarean", recorded_by=mother
    )
    data = json.loads(export_client_data(client=mother))
    assert data["pregnancy_profile"]["birth_date"] == timezone.localdate().isoformat()
    assert data["pregnancy_profile"]["delivery"] == "caesarean"
