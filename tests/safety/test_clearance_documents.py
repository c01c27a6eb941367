"""Her doctor's letter: told before booking, uploaded from her phone, kept private, verified
into a clearance, and then shown as received everywhere."""

import base64
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from booking.emails import reminder_context
from booking.models import Reminder
from booking.services import book_session
from booking.services import flags as flag_services
from privacy import services as privacy_services
from safety import documents, services
from safety.models import AuditEntry, Clearance, ClearanceDocument
from tests.booking.conftest import local_today, make_ready_client, slot_at
from tests.factories import ClinicFactory, TherapistFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_storage():
    return ClearanceDocument._meta.get_field("file").storage


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(out, format="PNG")
    return out.getvalue()


def upload(name="letter.png", content=None, content_type="image/png"):
    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type)


@pytest.fixture
def maya(db):
    return make_ready_client(conditions=["hypertension"], email="maya@example.com")


@pytest.fixture
def session(maya, therapist):
    return book_session(
        client=maya, slot=slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=4))
    )


def test_the_slot_page_says_a_note_is_needed_before_she_books(client, maya, therapist):
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=4))
    client.force_login(maya)
    page = client.get(reverse("booking:slot", kwargs={"slot_id": slot.pk})).content.decode()
    assert "needs a note from your midwife or doctor" in page
    assert reverse("health:documents") in page
    assert "Book this session" in page


def test_a_photo_is_kept_in_private_storage_outside_the_web_root(client, maya, private_storage):
    client.force_login(maya)
    response = client.post(reverse("health:documents"), {"file": upload(name="IMG_0001.pdf")})
    assert response.status_code == 302

    document = ClearanceDocument.objects.get(client=maya)
    # Sniffed from its bytes, not from its name.
    assert document.content_type == "image/png"
    stored = Path(private_storage.path(document.file.name))
    assert stored.read_bytes() == png_bytes()
    for served in (settings.MEDIA_ROOT, settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        served = served[1] if isinstance(served, tuple) else served
        assert not stored.resolve().is_relative_to(Path(served).resolve())
    assert "maya" not in document.file.name and "IMG" not in document.file.name
    assert AuditEntry.objects.filter(
        client=maya, action=AuditEntry.Action.UPLOADED_DOCUMENT
    ).exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"<html><script>alert(1)</script></html>", "photo (JPEG, PNG or HEIC) or a PDF"),
        (b"MZ\x90\x00 executable", "photo (JPEG, PNG or HEIC) or a PDF"),
        (b"", "empty"),
    ],
)
def test_anything_but_a_photo_or_pdf_is_refused_beside_the_field(
    client, maya, private_storage, content, message
):
    client.force_login(maya)
    response = client.post(
        reverse("health:documents"),
        {"file": upload(name="letter.pdf", content=content, content_type="application/pdf")},
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]
    assert not ClearanceDocument.objects.exists()
    assert not Path(private_storage.location).exists() or not any(
        Path(private_storage.location).rglob("*.*")
    )


def test_a_file_over_the_size_limit_is_refused(client, maya, settings):
    settings.CLEARANCE_DOCUMENT_MAX_BYTES = 1024 * 1024
    client.force_login(maya)
    big = b"%PDF-1.7\n" + b"0" * (1024 * 1024)
    response = client.post(reverse("health:documents"), {"file": upload(name="a.pdf", content=big)})
    assert "larger than 1 MB" in response.context["form"].errors["file"][0]
    assert not ClearanceDocument.objects.exists()


def test_the_letter_is_served_only_to_her_and_her_clinic_and_never_cached(
    client, maya, session, therapist, django_user_model
):
    document = documents.upload_document(client=maya, upload=upload())
    url = reverse("health:document_file", kwargs={"document_id": document.pk})
    outsider_clinic = ClinicFactory()
    strangers = [
        make_ready_client(),  # another client
        TherapistFactory(clinic=outsider_clinic).user,  # a therapist elsewhere
    ]
    admin_elsewhere = make_ready_client()
    outsider_clinic.admins.add(admin_elsewhere)
    strangers.append(admin_elsewhere)
    colleague_admin = make_ready_client()
    therapist.clinic.admins.add(colleague_admin)

    for viewer in (maya, therapist.user, colleague_admin):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200, viewer
        assert b"".join(response.streaming_content) == png_bytes()
        assert response["Content-Type"] == "image/png"
        assert "no-store" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"
    for viewer in strangers:
        client.force_login(viewer)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302

    viewed = AuditEntry.objects.filter(client=maya, action=AuditEntry.Action.VIEWED_DOCUMENT)
    assert viewed.filter(actor=therapist.user, clinic=therapist.clinic).count() == 1


def test_the_therapist_verifies_the_letter_into_a_clearance_shown_as_received_everywhere(
    client, maya, session, therapist
):
    document = documents.upload_document(client=maya, upload=upload())
    client.force_login(therapist.user)
    review = reverse("sessions:review", kwargs={"booking_id": session.pk})
    page = client.get(review).content.decode()
    assert reverse("health:document_file", kwargs={"document_id": document.pk}) in page

    response = client.post(
        reverse("sessions:record_clearance", kwargs={"booking_id": session.pk}),
        {
            "code": "hypertension",
            "document": document.pk,
            "issued_by": "Dr Ana Reyes, GP",
            "issued_on": timezone.localdate().isoformat(),
            "valid_until": "",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert Clearance.objects.get(client=maya).document == document

    client.force_login(maya)
    mine = client.get(reverse("booking:my_bookings")).content.decode()
    assert "Clearance needed" not in mine
    assert "Clearance received" in mine
    detail = client.get(reverse("booking:booking", kwargs={"pk": session.pk})).content.decode()
    assert "Clearance needed" not in detail
    letters = client.get(reverse("health:documents")).content.decode()
    assert "Checked by your therapist" in letters
    reminder = Reminder.objects.filter(booking=session).first()
    notes = reminder_context(reminder)["safety_notes"]
    assert not any("Clearance still needed" in note for note in notes)


def test_a_letter_of_another_client_cannot_be_used_for_her_clearance(maya, session, therapist):
    other = documents.upload_document(client=make_ready_client(), upload=upload())
    with pytest.raises(services.ClearanceError):
        flag_services.record_clearance(
            booking=session,
            code="hypertension",
            issued_by="Dr Who",
            issued_on=timezone.localdate(),
            valid_until=None,
            note="",
            recorded_by=therapist.user,
            document=other,
        )


def test_her_export_holds_the_letter(maya):
    documents.upload_document(client=maya, upload=upload())
    data = json.loads(privacy_services.export_client_data(client=maya))
    [letter] = data["doctors_letters"]
    assert letter["content_type"] == "image/png"
    assert base64.b64decode(letter["content_base64"]) == png_bytes()


def test_deleting_her_account_deletes_her_letters_and_their_files(
    maya, private_storage, django_capture_on_commit_callbacks
):
    document = documents.upload_document(client=maya, upload=upload())
    path = Path(private_storage.path(document.file.name))
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        privacy_services.delete_client_account(client=maya)
    assert not ClearanceDocument.objects.exists()
    assert not path.exists()


def test_the_plan_preview_says_a_note_is_needed_before_she_books(client, maya, therapist):
    start = local_today(therapist.clinic) + dt.timedelta(days=4)
    slot = slot_at(therapist, start)
    client.force_login(maya)
    page = client.get(
        reverse("booking:plan", kwargs={"slug": therapist.clinic.slug}),
        {
            "therapist": therapist.pk,
            "weekdays": [start.weekday()],
            "local_time": "10:00",
            "starts_on": start.isoformat(),
            "ends_on": start.isoformat(),
        },
    ).content.decode()
    assert f'value="{slot.pk}"' in page
    assert "Before your first session your therapist needs a note" in page
