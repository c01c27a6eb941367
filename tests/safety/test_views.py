"""Safety pages: her profile and answers, staff review, privacy across clinics, the audit trail."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.services import flags as flag_services
from safety import services
from safety.models import AuditEntry, Clearance, IntakeResponse, PregnancyProfile, SafetyFlag
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


def profile_data(**overrides):
    data = {
        "due_date": (timezone.localdate() + dt.timedelta(weeks=20)).isoformat(),
        "last_period_started_on": "",
        "phone": "+44 7400 900123",
        "emergency_contact_name": "Sam Okafor",
        "emergency_contact_phone": "+44 7400 900124",
    }
    data.update(overrides)
    return data


def intake_data(yes=(), consent=True, **notes):
    from safety.engine import CONDITION_RULES

    data = {
        f"q_{rule.condition}": "yes" if rule.condition in yes else "no" for rule in CONDITION_RULES
    }
    data.update({f"note_{code}": note for code, note in notes.items()})
    if consent:
        data["consent"] = "on"
    return data


@pytest.fixture
def mother(client_user):
    PregnancyProfileFactory(client=client_user)
    IntakeResponseFactory(
        client=client_user, conditions=["sciatica"], notes={"sciatica": "left leg"}
    )
    return client_user


@pytest.fixture
def session(mother, therapist):
    booking = BookingFactory(client=mother, slot=SlotFactory(therapist=therapist))
    flag_services.write_flags(booking=booking)
    return booking


# --- Her pages --------------------------------------------------------------------------


def test_new_client_saves_profile_then_goes_to_the_questions_and_back_to_next(client, client_user):
    client.force_login(client_user)
    next_url = "/book/camden/"
    response = client.post(f"{reverse('safety:profile')}?next={next_url}", profile_data())
    assert response.status_code == 302
    assert response.url == f"{reverse('safety:intake')}?next=%2Fbook%2Fcamden%2F"
    response = client.post(response.url, intake_data(yes=["sciatica"], sciatica="since week 18"))
    assert response.status_code == 302
    assert response.url == next_url
    assert services.client_ready_to_book(client_user)
    intake = services.latest_intake(client_user)
    assert intake.conditions == ["sciatica"]
    assert intake.notes == {"sciatica": "since week 18"}


def test_an_outside_next_url_is_ignored(client, mother):
    client.force_login(mother)
    response = client.post(
        f"{reverse('safety:profile')}?next=https://evil.example/", profile_data()
    )
    assert response.url == reverse("safety:profile")


def test_due_date_is_worked_out_from_the_last_period(client, client_user):
    client.force_login(client_user)
    lmp = timezone.localdate() - dt.timedelta(weeks=10)
    client.post(
        reverse("safety:profile"), profile_data(due_date="", last_period_started_on=lmp.isoformat())
    )
    profile = PregnancyProfile.objects.get(client=client_user)
    assert profile.due_date == lmp + dt.timedelta(days=280)
    assert profile.due_date_source == "last_period"


def test_a_scan_due_date_wins_over_the_last_period_once_she_confirms(client, client_user):
    client.force_login(client_user)
    due = timezone.localdate() + dt.timedelta(weeks=25)
    lmp = timezone.localdate() - dt.timedelta(weeks=10)
    client.post(
        reverse("safety:profile"),
        {
            **profile_data(due_date=due.isoformat(), last_period_started_on=lmp.isoformat()),
            "confirm_scan_date": "on",
        },
    )
    assert PregnancyProfile.objects.get(client=client_user).due_date == due


@pytest.mark.parametrize(
    ("weeks", "message"),
    [(43, "more than 42 weeks away"), (-3, "more than 2 weeks ago")],
)
def test_an_impossible_due_date_is_refused_by_the_field(client, client_user, weeks, message):
    client.force_login(client_user)
    due = timezone.localdate() + dt.timedelta(weeks=weeks)
    response = client.post(reverse("safety:profile"), profile_data(due_date=due.isoformat()))
    assert response.status_code == 200
    assert message in response.context["form"].errors["due_date"][0]
    assert not PregnancyProfile.objects.exists()


def test_profile_needs_a_due_date_or_a_last_period(client, client_user):
    client.force_login(client_user)
    response = client.post(reverse("safety:profile"), profile_data(due_date=""))
    assert "Please give your due date" in response.context["form"].errors["due_date"][0]


def test_intake_page_asks_every_question_in_three_groups(client, client_user):
    client.force_login(client_user)
    page = client.get(reverse("safety:intake")).content.decode()
    for heading in ("Right now", "This pregnancy", "Your health"):
        assert heading in page
    assert "Is one of your legs swollen, warm, red or painful right now?" in page
    assert "Pain from your low back or buttock down one leg (sciatica)?" in page


def test_intake_needs_consent_and_an_answer_to_each_question(client, client_user):
    client.force_login(client_user)
    data = intake_data(consent=False)
    del data["q_sciatica"]
    response = client.post(reverse("safety:intake"), data)
    form = response.context["form"]
    assert "consent" in form.errors
    assert form.errors["q_sciatica"] == ["Please answer yes or no."]
    assert not IntakeResponse.objects.exists()


def test_updating_answers_keeps_a_new_version_and_shows_the_current_ones(client, mother):
    client.force_login(mother)
    client.post(reverse("safety:intake"), intake_data(yes=["varicose_veins"]))
    assert mother.intake_responses.count() == 2
    form = client.get(reverse("safety:intake")).context["form"]
    assert form["q_varicose_veins"].initial == "yes"
    assert form["q_sciatica"].initial == "no"


def test_profile_page_shows_her_week_of_pregnancy(client, mother):
    client.force_login(mother)
    page = client.get(reverse("safety:profile")).content.decode()
    assert "20 weeks pregnant" in page


def test_staff_cannot_use_her_pages(client, therapist):
    client.force_login(therapist.user)
    assert client.get(reverse("safety:profile")).status_code == 403
    assert client.get(reverse("safety:intake")).status_code == 403


def test_export_downloads_her_data_as_json(client, mother):
    client.force_login(mother)
    response = client.post(reverse("privacy:export"))
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["account"]["email"] == mother.email


def test_delete_account_needs_her_password_and_confirmation(client, mother):
    client.force_login(mother)
    response = client.post(
        reverse("privacy:delete_account"), {"password": "wrong", "confirm": "on"}
    )
    assert "That password isn't right." in response.context["form"].errors["password"]
    mother.refresh_from_db()
    assert mother.is_active


def test_delete_account_logs_her_out_and_erases_her_answers(client, mother):
    from tests.factories import DEFAULT_PASSWORD

    client.force_login(mother)
    response = client.post(
        reverse("privacy:delete_account"), {"password": DEFAULT_PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 302
    assert not IntakeResponse.objects.filter(client=mother).exists()
    assert client.get(reverse("safety:profile")).status_code == 302  # to the login page


# --- Staff pages and privacy ------------------------------------------------------------


def test_therapist_sees_her_sessions_flags_and_week(client, session, therapist):
    client.force_login(therapist.user)
    response = client.get(reverse("sessions:review", args=[session.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Avoid deep leg massage" in page
    assert "Only very light, slow strokes up the leg toward the heart." in page
    assert "weeks" in page and "pregnant" in page
    assert 'class="severity severity-adapt">Adapt treatment' in page
    assert AuditEntry.objects.filter(actor=therapist.user, action="viewed_flags").count() == 1


def test_clinic_admin_sees_the_session_of_her_clinic(client, session, clinic_admin):
    client.force_login(clinic_admin)
    assert client.get(reverse("sessions:review", args=[session.pk])).status_code == 200
    assert client.get(reverse("sessions:client_intake", args=[session.pk])).status_code == 200


def test_another_therapist_of_the_same_clinic_gets_404(client, session, clinic):
    other = TherapistFactory(clinic=clinic)
    client.force_login(other.user)
    assert client.get(reverse("sessions:review", args=[session.pk])).status_code == 404
    assert client.get(reverse("sessions:client_intake", args=[session.pk])).status_code == 404


@pytest.mark.parametrize("role", ["therapist", "admin"])
def test_another_clinics_staff_cannot_see_her_answers_or_flags(client, session, role):
    other_clinic = ClinicFactory()
    if role == "therapist":
        user = TherapistFactory(clinic=other_clinic).user
    else:
        user = UserFactory()
        other_clinic.admins.add(user)
    client.force_login(user)
    for name in ("sessions:review", "sessions:client_intake"):
        response = client.get(reverse(name, args=[session.pk]))
        assert response.status_code == 404
        assert "left leg" not in response.content.decode()
    assert client.post(reverse("sessions:acknowledge", args=[session.pk])).status_code == 404
    assert not AuditEntry.objects.filter(actor=user).exists()


def test_a_client_cannot_open_the_staff_pages(client, session, mother):
    client.force_login(mother)
    assert client.get(reverse("sessions:client_intake", args=[session.pk])).status_code == 403


def test_an_unknown_session_is_404(client, therapist):
    client.force_login(therapist.user)
    assert client.get(reverse("sessions:review", args=[999999])).status_code == 404


def test_staff_viewing_her_answers_is_audited_each_time(client, session, therapist, mother):
    client.force_login(therapist.user)
    url = reverse("sessions:client_intake", args=[session.pk])
    page = client.get(url).content.decode()
    client.get(url)
    assert "left leg" in page
    entries = AuditEntry.objects.filter(action="viewed_intake", client=mother)
    assert entries.count() == 2
    assert entries.first().actor == therapist.user
    assert entries.first().clinic == therapist.clinic


def test_acknowledging_records_who_and_when(client, session, therapist):
    client.force_login(therapist.user)
    response = client.post(reverse("sessions:acknowledge", args=[session.pk]), follow=True)
    session.refresh_from_db()
    assert session.flags_acknowledged_by == therapist.user
    assert "Acknowledged by" in response.content.decode()


def test_recording_a_clearance_from_the_session_page(client, therapist, mother):
    IntakeResponseFactory(client=mother, conditions=["dvt_history"])
    booking = BookingFactory(client=mother, slot=SlotFactory(therapist=therapist))
    flag_services.write_flags(booking=booking)
    client.force_login(therapist.user)
    url = reverse("sessions:review", args=[booking.pk])
    assert "Clearance needed" in client.get(url).content.decode()
    response = client.post(
        reverse("sessions:record_clearance", args=[booking.pk]),
        {
            "code": "clotting_history",
            "issued_by": "Dr Ana Reyes, obstetrician",
            "issued_on": timezone.localdate().isoformat(),
            "valid_until": "",
            "note": "",
        },
        follow=True,
    )
    assert "Cleared" in response.content.decode()
    assert Clearance.objects.get().recorded_by == therapist.user


def test_a_bad_clearance_reshows_the_form_with_the_error(client, therapist, mother):
    IntakeResponseFactory(client=mother, conditions=["dvt_history"])
    booking = BookingFactory(client=mother, slot=SlotFactory(therapist=therapist))
    flag_services.write_flags(booking=booking)
    client.force_login(therapist.user)
    response = client.post(
        reverse("sessions:record_clearance", args=[booking.pk]),
        {
            "code": "clotting_history",
            "issued_by": "Dr Ana Reyes",
            "issued_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            "valid_until": "",
        },
    )
    assert response.status_code == 200
    assert "cannot be dated in the future" in response.content.decode()
    assert not Clearance.objects.exists()


def test_audit_log_shows_only_her_own_clinic(client, session, therapist, clinic_admin, mother):
    viewed = services.log_audit(
        actor=therapist.user, client=mother, clinic=therapist.clinic, action="viewed_intake"
    )
    changed = services.log_audit(actor=mother, client=mother, action="changed_intake")
    elsewhere = TherapistFactory()
    stranger = UserFactory(first_name="Stranger")
    services.log_audit(
        actor=elsewhere.user, client=stranger, clinic=elsewhere.clinic, action="viewed_intake"
    )
    services.log_audit(actor=stranger, client=stranger, action="changed_intake")
    client.force_login(clinic_admin)
    response = client.get(reverse("clinics:audit_log"))
    entries = list(response.context["page_obj"])
    assert viewed in entries
    assert changed in entries  # her own change shows, since she is this clinic's client
    assert all(entry.client == mother for entry in entries)
    assert stranger.email not in response.content.decode()


def test_audit_log_is_for_clinic_admins_only(client, therapist):
    client.force_login(therapist.user)
    assert client.get(reverse("clinics:audit_log")).status_code == 403


def test_flag_includes_render_words_with_colour(session):
    from django.template.loader import render_to_string

    flags = list(SafetyFlag.objects.filter(booking=session))
    badges = render_to_string("safety/includes/flag_badges.html", {"flags": flags})
    assert 'severity severity-adapt">Adapt treatment' in badges
    notes = render_to_string("safety/includes/client_safety_notes.html", {"flags": flags})
    assert "We keep leg work very light" in notes
    assert "not medical advice" in notes
    assert "baby moving less than usual" in notes


def test_a_blocked_session_says_do_not_start(client, therapist, mother):
    booking = BookingFactory(client=mother, slot=SlotFactory(therapist=therapist))
    flag_services.write_flags(booking=booking)
    services.record_intake(client=mother, conditions=["suspected_dvt"], notes={}, consent=True)
    client.force_login(therapist.user)
    page = client.get(reverse("sessions:review", args=[booking.pk])).content.decode()
    assert "Do not start this session." in page
    assert 'severity severity-block">Cannot go ahead' in page


def test_both_see_clearance_needed_until_a_clearance_is_recorded(therapist, mother):
    from django.template.loader import render_to_string

    IntakeResponseFactory(client=mother, conditions=["multiple_pregnancy"])
    booking = BookingFactory(client=mother, slot=SlotFactory(therapist=therapist))
    flag_services.write_flags(booking=booking)

    def render(name):
        flags = list(booking.safety_flags.select_related("booking__slot__therapist__clinic"))
        return render_to_string(f"safety/includes/{name}.html", {"flags": flags})

    assert "Clearance needed" in render("flag_badges")
    assert "Clearance needed" in render("client_safety_notes")
    flag_services.record_clearance(
        booking=booking,
        code="multiple_pregnancy",
        issued_by="Midwife Jo Bell",
        issued_on=timezone.localdate(),
        valid_until=None,
        note="",
        recorded_by=therapist.user,
    )
    assert "Clearance needed" not in render("flag_badges")
    assert "Clearance received" in render("flag_badges")
    assert "Clearance needed" not in render("client_safety_notes")


def test_consent_is_never_pre_ticked(client, mother):
    client.force_login(mother)
    form = client.get(reverse("safety:intake")).context["form"]
    assert not form["consent"].initial
