"""Treatment notes: signed on save, one answer per adapt flag, append-only amendments, audited,
seen only at her clinic, in her export and gone with her account."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from care import services
from care.errors import NoteError
from care.models import CheckIn, SessionHold, TreatmentNote
from care.services import AdaptCheck, NoteContent
from care.services.notes import adapt_flags
from privacy import services as privacy
from safety.models import AuditEntry
from tests.care.conftest import NOW, checkin_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(session, frozen_now):
    frozen_now.move(session.starts_at + dt.timedelta(minutes=50))
    return session


def content(booking, *, pain_after=4, unticked=(), reasons=None, **overrides) -> NoteContent:
    reasons = reasons or {}
    fields = {
        "positions": ["left_side", "right_side"],
        "bolsters": "Head, belly, top knee",
        "areas_worked": ["low_back", "gluteals"],
        "techniques": "Moderate lengthening strokes on piriformis",
        "areas_avoided": "Right calf",
        "pain_after": pain_after,
        "free_text": "Eased by the end.",
        "adapt_checks": [
            AdaptCheck(
                code=flag.code,
                title=flag.title,
                followed=flag.code not in unticked,
                reason=reasons.get(flag.code, ""),
            )
            for flag in adapt_flags(booking)
        ],
    }
    fields.update(overrides)
    return NoteContent(**fields)


def note_post(booking, *, unticked=(), reasons=None, pain_after="4", **extra) -> dict:
    reasons = reasons or {}
    data = {
        "positions": ["left_side"],
        "bolsters": "Head, belly, top knee",
        "areas_worked": ["low_back", "gluteals"],
        "techniques": "Moderate lengthening strokes",
        "areas_avoided": "Right calf",
        "pain_after": pain_after,
        "free_text": "",
        **extra,
    }
    for flag in adapt_flags(booking):
        if flag.code not in unticked:
            data[f"followed_{flag.code}"] = "on"
        data[f"reason_{flag.code}"] = reasons.get(flag.code, "")
    return data


def test_the_note_has_one_checkbox_per_adapt_flag_of_the_session(client, started, therapist):
    client.force_login(therapist.user)
    page = client.get(reverse("care:note", args=[started.pk])).content.decode()
    codes = [flag.code for flag in adapt_flags(started)]
    assert "avoid_deep_leg_massage" in codes
    for code in codes:
        assert f'name="followed_{code}"' in page
    assert "Only very light, slow strokes up the leg toward the heart" in page


def test_an_unticked_adapt_flag_cannot_be_signed_without_a_reason(started, therapist):
    with pytest.raises(NoteError) as refused:
        services.sign_note(
            booking=started,
            by=therapist.user,
            content=content(started, unticked={"avoid_deep_leg_massage"}),
        )
    assert "reason_avoid_deep_leg_massage" in refused.value.errors
    assert not TreatmentNote.objects.exists()

    note = services.sign_note(
        booking=started,
        by=therapist.user,
        content=content(
            started,
            unticked={"avoid_deep_leg_massage"},
            reasons={"avoid_deep_leg_massage": "No leg work at all today"},
        ),
    )
    check = next(c for c in note.adapt_checks if c["code"] == "avoid_deep_leg_massage")
    assert check == {
        "code": "avoid_deep_leg_massage",
        "title": "Avoid deep leg massage",
        "followed": False,
        "reason": "No leg work at all today",
    }
    assert note.signed_by == therapist.user
    assert note.signed_at == started.starts_at + dt.timedelta(minutes=50)


def test_the_form_keeps_what_she_typed_and_says_which_flag_needs_a_reason(
    client, started, therapist
):
    client.force_login(therapist.user)
    response = client.post(
        reverse("care:note", args=[started.pk]),
        note_post(started, unticked={"avoid_deep_leg_massage"}),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "“Avoid deep leg massage” is not ticked: say why." in page
    assert "Moderate lengthening strokes" in page
    assert not TreatmentNote.objects.exists()


def test_an_amendment_keeps_the_original_and_both_are_audited_and_exported(
    client, started, therapist
):
    original = services.sign_note(booking=started, by=therapist.user, content=content(started))
    with pytest.raises(NoteError):
        services.amend_note(
            booking=started, by=therapist.user, content=content(started, pain_after=3), reason=""
        )
    amended = services.amend_note(
        booking=started,
        by=therapist.user,
        content=content(started, pain_after=3),
        reason="Pain score typed wrong",
    )

    assert (original.version, amended.version) == (1, 2)
    original.refresh_from_db()
    assert original.pain_after == 4
    assert amended.pain_after == 3
    assert services.latest_note(started) == amended
    actions = list(
        AuditEntry.objects.filter(client=started.client)
        .filter(action__in=[AuditEntry.Action.SIGNED_NOTE, AuditEntry.Action.AMENDED_NOTE])
        .values_list("action", flat=True)
        .order_by("created_at", "pk")
    )
    assert actions == [AuditEntry.Action.SIGNED_NOTE, AuditEntry.Action.AMENDED_NOTE]

    export = json.loads(privacy.export_client_data(client=started.client))
    versions = [(note["version"], note["pain_after"]) for note in export["treatment_notes"]]
    assert versions == [(1, 4), (2, 3)]
    assert export["treatment_notes"][1]["amendment_reason"] == "Pain score typed wrong"
    whats = [entry["what"] for entry in export["who_saw_or_changed_your_health_data"]]
    assert "Signed a treatment note" in whats and "Amended a treatment note" in whats

    client.force_login(therapist.user)
    page = client.get(reverse("care:session", args=[started.pk])).content.decode()
    assert "Signed note" in page and "Amendment 1" in page
    assert "Why amended: Pain score typed wrong" in page


def test_a_signed_note_is_never_changed_in_place(started, therapist):
    note = services.sign_note(booking=started, by=therapist.user, content=content(started))
    note.pain_after = 0
    with pytest.raises(ValidationError):
        note.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentNote.objects.create(
            booking=started,
            client=started.client,
            clinic=note.clinic,
            version=2,
            techniques="x",
            pain_after=1,
            signed_by_label="x",
            signed_at=NOW,
        )  # an amendment without a reason
    assert TreatmentNote.objects.get(pk=note.pk).pain_after == 4


def test_a_second_note_is_refused_in_favour_of_an_amendment(started, therapist):
    services.sign_note(booking=started, by=therapist.user, content=content(started))
    with pytest.raises(NoteError, match="amendment"):
        services.sign_note(booking=started, by=therapist.user, content=content(started))


def test_no_note_before_the_session_has_started(session, therapist):
    with pytest.raises(NoteError, match="once the session has started"):
        services.sign_note(booking=session, by=therapist.user, content=content(session))


def test_a_therapist_signs_and_amends_through_the_pages(client, started, therapist):
    client.force_login(therapist.user)
    response = client.post(reverse("care:note", args=[started.pk]), note_post(started))
    assert response.status_code == 302
    response = client.post(
        reverse("care:note", args=[started.pk]),
        note_post(started, pain_after="2", amendment_reason="She felt better after resting"),
    )
    assert response.status_code == 302
    assert list(
        TreatmentNote.objects.filter(booking=started).values_list("version", "pain_after")
    ) == [(1, 4), (2, 2)]


def test_notes_are_not_shown_to_her_or_to_another_clinic(client, started, therapist):
    services.sign_note(booking=started, by=therapist.user, content=content(started))
    client.force_login(started.client)
    # Client pages are for clients only; the staff pages refuse her outright.
    assert client.get(reverse("care:session", args=[started.pk])).status_code == 403
    booking_page = client.get(reverse("booking:booking", args=[started.pk])).content.decode()
    assert "Moderate lengthening strokes on piriformis" not in booking_page


def test_deleting_her_account_deletes_her_check_ins_holds_and_notes(started, therapist):
    checkin_row(started, pain=7)
    SessionHold.objects.create(booking=started, red_flags=["suspected_dvt"])
    SessionHold.objects.filter(booking=started).update(
        outcome="cleared", resolved_at=NOW, cleared_by="Jo Hart", cleared_on=NOW.date()
    )
    services.sign_note(booking=started, by=therapist.user, content=content(started))

    privacy.delete_client_account(client=started.client)

    assert not CheckIn.objects.exists()
    assert not SessionHold.objects.exists()
    assert not TreatmentNote.objects.exists()
