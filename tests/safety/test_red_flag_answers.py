"""A red-flag (`block`) answer: what to do now, which sessions are on hold, and the clinic told."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from booking.models import Reminder
from booking.services import flags as flag_services
from tests.factories import (
    BookingFactory,
    ClinicFactory,
    IntakeResponseFactory,
    PregnancyProfileFactory,
    SlotFactory,
    TherapistFactory,
)
from tests.safety.test_views import intake_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def mother(client_user):
    PregnancyProfileFactory(client=client_user)
    IntakeResponseFactory(client=client_user, conditions=["sciatica"])
    return client_user


@pytest.fixture
def booked(mother, therapist):
    booking = BookingFactory(client=mother, slot=SlotFactory(therapist=therapist))
    flag_services.write_flags(booking=booking)
    return booking


def test_block_answer_leads_to_what_to_do_now_not_a_thank_you(
    client, mother, booked, django_capture_on_commit_callbacks
):
    client.force_login(mother)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{reverse('safety:intake')}?next=/book/", intake_data(yes=["suspected_dvt"])
        )
    assert response.status_code == 302
    assert response.url == reverse("health:alert")

    page = client.get(response.url)
    text = page.content.decode()
    assert "Thank you" not in text
    assert "Please contact your midwife or maternity unit today" in text
    assert "A swollen, warm, red or painful leg can be a blood clot" in text
    assert "on hold" in text
    assert reverse("booking:booking", kwargs={"pk": booked.pk}) in text
    assert "We've told Camden Bump Clinic" in text


def test_the_clinic_is_told_once_with_every_held_session(
    client, mother, booked, therapist, django_capture_on_commit_callbacks
):
    later = BookingFactory(client=mother, slot=SlotFactory(therapist=therapist))
    flag_services.write_flags(booking=later)
    client.force_login(mother)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("safety:intake"), intake_data(yes=["suspected_dvt"]))

    to_clinic = [m for m in mail.outbox if m.to == [therapist.clinic.email]]
    assert len(to_clinic) == 1
    assert "2 sessions on hold" in to_clinic[0].subject
    for booking in (booked, later):
        assert reverse("sessions:review", kwargs={"booking_id": booking.pk}) in (to_clinic[0].body)

    # Saving the same answers again does not tell the clinic a second time.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("safety:intake"), intake_data(yes=["suspected_dvt"]))
    assert [m for m in mail.outbox if m.to == [therapist.clinic.email]] == []


def test_emergency_rule_names_the_clinics_emergency_number(client, mother, therapist):
    clinic = ClinicFactory(name="Brooklyn Prenatal Studio", emergency_number="911")
    booking = BookingFactory(
        client=mother, slot=SlotFactory(therapist=TherapistFactory(clinic=clinic))
    )
    flag_services.write_flags(booking=booking)
    client.force_login(mother)
    client.post(reverse("safety:intake"), intake_data(yes=["sciatica_red_flags"]))

    text = client.get(reverse("health:alert")).content.decode()
    assert "Please get urgent medical help now" in text
    assert 'href="tel:911"' in text


def test_with_nothing_on_hold_the_number_is_her_clinics_own(client, mother):
    clinic = ClinicFactory(name="Brooklyn Prenatal Studio", emergency_number="911")
    past = timezone.now() - dt.timedelta(days=10)
    BookingFactory(
        client=mother,
        slot=SlotFactory(
            therapist=TherapistFactory(clinic=clinic),
            starts_at=past,
            ends_at=past + dt.timedelta(hours=1),
        ),
    )
    client.force_login(mother)
    client.post(reverse("safety:intake"), intake_data(yes=["sciatica_red_flags"]))

    text = client.get(reverse("health:alert")).content.decode()
    assert 'href="tel:911"' in text


def test_without_bookings_the_page_says_nothing_is_on_hold(client, mother):
    client.force_login(mother)
    client.post(reverse("safety:intake"), intake_data(yes=["reduced_fetal_movement"]))

    text = client.get(reverse("health:alert")).content.decode()
    assert "You have no booked sessions" in text
    assert "We've told" not in text


def test_answers_without_a_block_still_get_the_thank_you(client, mother):
    client.force_login(mother)
    response = client.post(reverse("safety:intake"), intake_data(yes=["dvt_history"]))
    assert response.url == reverse("safety:profile")
    # And the alert page has nothing to say, so it sends her to her profile.
    assert client.get(reverse("health:alert")).url == reverse("safety:profile")


def test_her_profile_keeps_pointing_to_what_to_do_while_the_answer_stands(client, mother):
    client.force_login(mother)
    client.post(reverse("safety:intake"), intake_data(yes=["preeclampsia_signs"]))

    text = client.get(reverse("safety:profile")).content.decode()
    assert "thing we keep in mind" not in text
    assert reverse("health:alert") in text


def test_the_clinics_notice_is_an_outbox_row_sent_by_the_worker_not_the_request(
    client, mother, booked, therapist, worker, django_capture_on_commit_callbacks
):
    later = BookingFactory(client=mother, slot=SlotFactory(therapist=therapist))
    flag_services.write_flags(booking=later)
    client.force_login(mother)
    worker.hold()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("safety:intake"), intake_data(yes=["suspected_dvt"]))

    notice = Reminder.objects.get(kind=Reminder.Notice.SESSIONS_ON_HOLD_CLINIC)
    assert notice.recipient == mother
    assert sorted(notice.payload["booking_ids"]) == sorted([booked.pk, later.pk])
    assert notice.status == Reminder.Status.SENDING
    # Nothing left during the request: the e-mail is the worker's.
    assert [m for m in mail.outbox if m.to == [therapist.clinic.email]] == []

    worker.release()
    notice.refresh_from_db()
    assert notice.status == Reminder.Status.SENT
    [to_clinic] = [m for m in mail.outbox if m.to == [therapist.clinic.email]]
    assert to_clinic.extra_headers["Message-ID"] == f"<reminder-{notice.pk}@bolster>"
    assert mother.email not in to_clinic.to
