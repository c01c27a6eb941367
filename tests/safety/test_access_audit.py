"""Every look at her health data is written down: by whom, when, from which address."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safety.documents import upload_document
from safety.models import AuditEntry
from tests.safety import test_views

pytestmark = pytest.mark.django_db

# Her profile and answers, and one session of hers with the therapist.
mother = test_views.mother
session = test_views.session

THERAPIST_ADDRESS = "198.51.100.23"


def test_staff_reading_her_answers_is_audited_with_their_address(client, session, therapist):
    client.force_login(therapist.user)

    client.get(reverse("sessions:client_intake", args=[session.pk]), REMOTE_ADDR=THERAPIST_ADDRESS)

    entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEWED_INTAKE)
    assert (entry.actor, entry.client, entry.address) == (
        therapist.user,
        session.client,
        THERAPIST_ADDRESS,
    )
    assert entry.created_at is not None


def test_the_address_is_the_persons_behind_our_proxy(client, session, therapist, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(therapist.user)

    client.get(
        reverse("sessions:review", args=[session.pk]),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"192.0.2.1, {THERAPIST_ADDRESS}",
    )

    assert AuditEntry.objects.get(action="viewed_flags").address == THERAPIST_ADDRESS


def test_opening_her_letter_and_the_front_desk_page_is_audited(client, session, therapist, clinic):
    letter = upload_document(
        client=session.client, upload=SimpleUploadedFile("l.pdf", b"%PDF-1.4\n%%EOF\n")
    )
    client.force_login(therapist.user)

    client.get(reverse("health:document_file", args=[letter.pk]), REMOTE_ADDR=THERAPIST_ADDRESS)
    client.get(
        reverse("frontdesk:client", kwargs={"slug": clinic.slug, "client_id": session.client.pk}),
        REMOTE_ADDR=THERAPIST_ADDRESS,
    )

    viewed = AuditEntry.objects.filter(actor=therapist.user, address=THERAPIST_ADDRESS)
    assert set(viewed.values_list("action", flat=True)) == {"viewed_document", "viewed_profile"}


def test_her_export_lists_who_looked_and_from_where(client, session, therapist, mother):
    staff = type(client)()
    staff.force_login(therapist.user)
    staff.get(reverse("sessions:client_intake", args=[session.pk]), REMOTE_ADDR=THERAPIST_ADDRESS)
    client.force_login(mother)

    export = json.loads(client.post(reverse("privacy:export")).content)

    looked = [
        entry
        for entry in export["who_saw_or_changed_your_health_data"]
        if entry["what"] == "Viewed intake answers"
    ]
    assert looked[0]["from_address"] == THERAPIST_ADDRESS
    assert therapist.user.get_full_name() in looked[0]["who"]


def test_the_clinic_admin_sees_the_address_on_the_audit_log(
    client, session, therapist, clinic_admin
):
    staff = type(client)()
    staff.force_login(therapist.user)
    staff.get(reverse("sessions:client_intake", args=[session.pk]), REMOTE_ADDR=THERAPIST_ADDRESS)
    client.force_login(clinic_admin)

    page = client.get(reverse("clinics:audit_log")).content.decode()

    assert f"from {THERAPIST_ADDRESS}" in page
    assert "viewed intake answers" in page


def test_audit_rows_hold_no_health_values(client, mother, session, therapist):
    client.force_login(mother)
    profile = test_views.profile_data()
    client.post(reverse("safety:profile"), profile)
    client.post(
        reverse("safety:intake"),
        test_views.intake_data(yes=["sciatica"], sciatica="worse at night"),
    )
    staff = type(client)()
    staff.force_login(therapist.user)
    staff.get(reverse("sessions:client_intake", args=[session.pk]))

    details = " ".join(AuditEntry.objects.values_list("detail", flat=True))
    assert profile["due_date"] not in details
    assert "sciatica" not in details and "night" not in details
