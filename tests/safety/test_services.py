"""Safety services: flags on bookings, re-evaluation, clinic raises, clearances, her data."""

import datetime as dt
import json
import zoneinfo

import pytest
from django.utils import timezone

from booking.models import Booking
from booking.services import flags as flag_services
from privacy import services as privacy_services
from safety import services
from safety.engine import RULESET_VERSION
from safety.models import AuditEntry, Clearance, IntakeResponse, PregnancyProfile, SafetyFlag
from tests.factories import (
    BookingFactory,
    ClinicFactory,
    IntakeResponseFactory,
    PregnancyProfileFactory,
    SlotFactory,
    TherapistFactory,
)

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at_local(day: dt.date, hour: int = 10, tz=LONDON) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


def book(client, therapist, starts_at: dt.datetime) -> Booking:
    slot = SlotFactory(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )
    return BookingFactory(client=client, slot=slot)


def open_codes(booking: Booking) -> set[str]:
    return set(
        SafetyFlag.objects.filter(booking=booking, closed_at__isnull=True).values_list(
            "code", flat=True
        )
    )


@pytest.fixture
def due_date():
    """22 weeks pregnant today."""
    return timezone.localdate() + dt.timedelta(weeks=18)


@pytest.fixture
def mother(client_user, due_date):
    PregnancyProfileFactory(client=client_user, due_date=due_date)
    IntakeResponseFactory(client=client_user, conditions=["sciatica"])
    return client_user


def test_client_is_ready_to_book_only_with_profile_and_consented_intake(client_user):
    assert not services.client_ready_to_book(client_user)
    PregnancyProfileFactory(client=client_user)
    assert not services.client_ready_to_book(client_user)
    IntakeResponseFactory(client=client_user)
    assert services.client_ready_to_book(client_user)


def test_findings_without_a_profile_is_a_friendly_error(client_user, clinic):
    with pytest.raises(services.ProfileMissing, match="due date"):
        services.findings_for(client=client_user, clinic=clinic, on=timezone.localdate())


def test_findings_use_her_latest_intake(mother, clinic):
    IntakeResponseFactory(client=mother, conditions=["varicose_veins"])
    findings = services.findings_for(client=mother, clinic=clinic, on=timezone.localdate())
    codes = {f.code for f in findings}
    assert "varicose_veins" in codes
    assert "sciatica" not in codes


def test_session_before_the_pregnancy_began_is_a_dating_error(mother, clinic, due_date):
    with pytest.raises(services.DatingError):
        services.findings_for(client=mother, clinic=clinic, on=due_date - dt.timedelta(days=300))


def test_clinic_raising_a_severity_applies_to_flags(mother, therapist):
    therapist.clinic.raised_severities = {"sciatica": "clearance", "supine_limit": "block"}
    therapist.clinic.save()
    booking = book(mother, therapist, timezone.now() + dt.timedelta(days=3))
    flags = {flag.code: flag.severity for flag in flag_services.write_flags(booking=booking)}
    assert flags["sciatica"] == "clearance"
    assert flags["supine_limit"] == "block"


def test_clinic_can_never_lower_a_severity(mother, therapist):
    IntakeResponseFactory(client=mother, conditions=["suspected_dvt"])
    therapist.clinic.raised_severities = {"suspected_dvt": "info", "avoid_deep_leg_massage": "info"}
    therapist.clinic.save()
    booking = book(mother, therapist, timezone.now() + dt.timedelta(days=3))
    flags = {flag.code: flag.severity for flag in flag_services.write_flags(booking=booking)}
    assert flags["suspected_dvt"] == "block"
    assert flags["avoid_deep_leg_massage"] == "adapt"


def test_write_flags_stores_each_finding_with_the_ruleset_version(mother, therapist):
    booking = book(mother, therapist, timezone.now() + dt.timedelta(days=3))
    flags = flag_services.write_flags(booking=booking)
    assert {flag.code for flag in flags} == {
        "side_lying_position",
        "supine_limit",
        "avoid_deep_leg_massage",
        "acupressure_points",
        "sciatica",
    }
    assert {flag.ruleset_version for flag in flags} == {RULESET_VERSION}
    assert flags[-1].severity == "info"


def test_write_flags_twice_changes_nothing(mother, therapist):
    booking = book(mother, therapist, timezone.now() + dt.timedelta(days=3))
    first = flag_services.write_flags(booking=booking)
    second = flag_services.write_flags(booking=booking)
    assert sorted(f.pk for f in first) == sorted(f.pk for f in second)
    assert SafetyFlag.objects.filter(booking=booking).count() == len(first)


def test_flags_are_evaluated_at_each_sessions_date(mother, therapist, due_date):
    week_27 = due_date - dt.timedelta(days=280 - 27 * 7)
    early = book(mother, therapist, at_local(week_27))
    later = book(mother, therapist, at_local(week_27 + dt.timedelta(weeks=1)))
    flag_services.write_flags(booking=early)
    flag_services.write_flags(booking=later)
    assert "third_trimester" not in open_codes(early)
    assert "third_trimester" in open_codes(later)


def test_session_date_is_the_clinics_local_date(mother, due_date):
    therapist = TherapistFactory(clinic=ClinicFactory(time_zone="America/New_York"))
    day_28w0d = due_date - dt.timedelta(days=280 - 28 * 7)
    # 02:00 UTC on the day of 28w0d is still the evening before (27w6d) in New York.
    starts_at = dt.datetime.combine(day_28w0d, dt.time(2), tzinfo=dt.UTC)
    booking = book(mother, therapist, starts_at)
    flag_services.write_flags(booking=booking)
    assert "third_trimester" not in open_codes(booking)


def test_changed_answers_add_flags_to_future_sessions_only(mother, therapist):
    past = book(mother, therapist, timezone.now() - dt.timedelta(days=7))
    future = book(mother, therapist, timezone.now() + dt.timedelta(days=7))
    flag_services.write_flags(booking=past)
    flag_services.write_flags(booking=future)
    past_before = list(SafetyFlag.objects.filter(booking=past).values())

    services.record_intake(
        client=mother, conditions=["sciatica", "varicose_veins"], notes={}, consent=True
    )

    assert "varicose_veins" in open_codes(future)
    assert "varicose_veins" not in open_codes(past)
    assert list(SafetyFlag.objects.filter(booking=past).values()) == past_before


def test_answers_no_longer_applying_close_flags_without_deleting_them(mother, therapist):
    future = book(mother, therapist, timezone.now() + dt.timedelta(days=7))
    flag_services.write_flags(booking=future)
    services.record_intake(client=mother, conditions=[], notes={}, consent=True)
    sciatica = SafetyFlag.objects.get(booking=future, code="sciatica")
    assert sciatica.closed_at is not None
    assert "sciatica" not in open_codes(future)


def test_cancelled_future_sessions_are_not_reevaluated(mother, therapist):
    cancelled = book(mother, therapist, timezone.now() + dt.timedelta(days=7))
    cancelled.status = Booking.Status.CANCELLED
    cancelled.save()
    flag_services.reevaluate_future_bookings(client=mother)
    assert not SafetyFlag.objects.filter(booking=cancelled).exists()


def test_a_new_flag_needs_acknowledging_again(mother, therapist, django_user_model):
    future = book(mother, therapist, timezone.now() + dt.timedelta(days=7))
    flag_services.write_flags(booking=future)
    flag_services.acknowledge(booking=future, by=therapist.user)
    services.record_intake(client=mother, conditions=["anticoagulants"], notes={}, consent=True)
    future.refresh_from_db()
    assert future.flags_acknowledged_at is None
    assert SafetyFlag.objects.get(booking=future, code="anticoagulants").acknowledged_at is None


def test_a_future_session_becoming_blocked_emails_her_the_therapist_and_the_clinic(
    mother, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    future = book(mother, therapist, timezone.now() + dt.timedelta(days=7))
    flag_services.write_flags(booking=future)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_intake(
            client=mother, conditions=["reduced_fetal_movement"], notes={}, consent=True
        )
    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert recipients == sorted([mother.email, therapist.user.email, therapist.clinic.email])
    client_mail = next(mail for mail in mailoutbox if mail.to == [mother.email])
    assert "midwife" in client_mail.body
    assert client_mail.alternatives[0].mimetype == "text/html"
    therapist_mail = next(mail for mail in mailoutbox if mail.to == [therapist.user.email])
    assert f"/health/sessions/{future.pk}/" in therapist_mail.body
    future.refresh_from_db()
    assert future.status == Booking.Status.BOOKED  # the clinic decides whether to cancel


def test_a_session_already_blocked_is_not_emailed_again(
    mother, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    IntakeResponseFactory(client=mother, conditions=["fever_or_infection"])
    future = book(mother, therapist, timezone.now() + dt.timedelta(days=7))
    flag_services.write_flags(booking=future)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_intake(
            client=mother, conditions=["fever_or_infection", "sciatica"], notes={}, consent=True
        )
    assert mailoutbox == []


def test_a_changed_due_date_reevaluates_future_sessions(mother, therapist, due_date):
    future = book(mother, therapist, timezone.now() + dt.timedelta(days=7))
    flag_services.write_flags(booking=future)
    assert "third_trimester" not in open_codes(future)
    services.save_pregnancy_profile(
        client=mother,
        due_date=due_date - dt.timedelta(weeks=10),
        due_date_source=PregnancyProfile.DueDateSource.SCAN,
        last_period_started_on=None,
        phone="1",
        emergency_contact_name="Sam",
        emergency_contact_phone="2",
    )
    assert "third_trimester" in open_codes(future)
    assert AuditEntry.objects.filter(
        client=mother, action=AuditEntry.Action.CHANGED_PROFILE
    ).exists()


def test_intake_without_consent_is_refused(client_user):
    with pytest.raises(services.SafetyError):
        services.record_intake(client=client_user, conditions=[], notes={}, consent=False)
    assert not IntakeResponse.objects.exists()


def test_intake_keeps_every_version_and_audits_it(mother):
    services.record_intake(
        client=mother, conditions=["sciatica"], notes={"sciatica": " left "}, consent=True
    )
    assert mother.intake_responses.count() == 2
    assert services.latest_intake(mother).notes == {"sciatica": "left"}
    assert AuditEntry.objects.filter(client=mother, action="changed_intake").count() == 1


def test_acknowledge_records_who_and_when(mother, therapist):
    booking = book(mother, therapist, timezone.now() + dt.timedelta(days=2))
    flag_services.write_flags(booking=booking)
    flag_services.acknowledge(booking=booking, by=therapist.user)
    booking.refresh_from_db()
    assert booking.flags_acknowledged_by == therapist.user
    assert booking.flags_acknowledged_at is not None
    assert not SafetyFlag.objects.filter(booking=booking, acknowledged_at__isnull=True).exists()
    assert AuditEntry.objects.get(action="acknowledged_flags").clinic == therapist.clinic


def test_a_clearance_covers_later_sessions_within_its_validity(mother, therapist):
    IntakeResponseFactory(client=mother, conditions=["hypertension"])
    today = timezone.localdate()
    first = book(mother, therapist, at_local(today + dt.timedelta(days=2)))
    within = book(mother, therapist, at_local(today + dt.timedelta(days=9)))
    after = book(mother, therapist, at_local(today + dt.timedelta(days=30)))
    for booking in (first, within, after):
        flag_services.write_flags(booking=booking)
        assert flag_services.clearance_needed(booking)

    flag_services.record_clearance(
        booking=first,
        code="hypertension",
        issued_by="Dr Ana Reyes, obstetrician",
        issued_on=today,
        valid_until=today + dt.timedelta(days=14),
        note="Moderate pressure only.",
        recorded_by=therapist.user,
    )

    assert not flag_services.clearance_needed(first)
    assert not flag_services.clearance_needed(within)
    assert flag_services.clearance_needed(after)


def test_a_clearance_for_a_flag_the_session_does_not_have_is_refused(mother, therapist):
    booking = book(mother, therapist, timezone.now() + dt.timedelta(days=2))
    flag_services.write_flags(booking=booking)
    with pytest.raises(services.ClearanceError):
        flag_services.record_clearance(
            booking=booking,
            code="hypertension",
            issued_by="Dr X",
            issued_on=timezone.localdate(),
            valid_until=None,
            note="",
            recorded_by=therapist.user,
        )
    assert not Clearance.objects.exists()


def test_export_holds_her_data_and_is_audited(mother, therapist):
    booking = book(mother, therapist, timezone.now() + dt.timedelta(days=2))
    flag_services.write_flags(booking=booking)
    data = json.loads(privacy_services.export_client_data(client=mother))
    assert data["account"]["email"] == mother.email
    assert data["intake_responses"][0]["answered_yes"][0]["code"] == "sciatica"
    assert {f["code"] for f in data["bookings"][0]["safety_flags"]} >= {"sciatica"}
    assert AuditEntry.objects.filter(client=mother, action="exported_data").exists()


def test_deleting_her_account_erases_health_data_and_keeps_only_that_it_happened(mother, therapist):
    past = book(mother, therapist, timezone.now() - dt.timedelta(days=3))
    flag_services.write_flags(booking=past)
    services.log_audit(
        actor=therapist.user, client=mother, clinic=therapist.clinic, action="viewed_intake"
    )
    email = mother.email

    privacy_services.delete_client_account(client=mother)

    mother.refresh_from_db()
    assert not mother.is_active
    assert mother.email != email and mother.first_name == ""
    assert not mother.has_usable_password()
    assert not PregnancyProfile.objects.filter(client=mother).exists()
    assert not IntakeResponse.objects.filter(client=mother).exists()
    assert not SafetyFlag.objects.filter(booking__client=mother).exists()
    assert not AuditEntry.objects.filter(client=mother).exists()
    deleted = AuditEntry.objects.get(action="deleted_account")
    assert deleted.clinic == therapist.clinic
    assert deleted.client is None and deleted.detail == ""


def test_deleting_her_account_cancels_her_future_sessions_and_plans(mother, therapist):
    from booking.models import Plan

    today = timezone.localdate()
    plan = Plan.objects.create(
        client=mother,
        therapist=therapist,
        weekdays=[today.weekday()],
        local_time=dt.time(10),
        starts_on=today,
        ends_on=today + dt.timedelta(weeks=4),
    )
    # Inside any notice period: deletion cancels it all the same.
    soon = book(mother, therapist, timezone.now() + dt.timedelta(hours=2))
    soon.plan = plan
    soon.save()

    privacy_services.delete_client_account(client=mother)

    soon.refresh_from_db()
    plan.refresh_from_db()
    assert soon.status == Booking.Status.CANCELLED
    assert soon.cancelled_by == Booking.CancelledBy.CLIENT
    assert soon.cancel_reason == "Account deleted"
    assert plan.status == Plan.Status.CANCELLED
