"""Her data: everything we hold about her as JSON, and deleting her account."""

import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Booking, Plan
from booking.services import cancel_booking, cancel_plan
from care.services import erase_care_records, export_care_records
from clinics.models import Clinic
from safety import documents, engine
from safety import services as safety_services
from safety.models import AuditEntry, Clearance, IntakeResponse, PregnancyProfile, SafetyFlag
from waitlist.services import erase_waitlist_entries, export_waitlist_entries


def export_client_data(*, client: User) -> bytes:
    """Everything we hold about her, as JSON; the export itself is audited."""
    profile = safety_services.pregnancy_profile(client)
    bookings = (
        Booking.objects.filter(client=client)
        .select_related("slot__therapist__clinic")
        .prefetch_related("safety_flags")
        .order_by("starts_at")
    )
    data = {
        "exported_at": timezone.now(),
        "account": {
            "email": client.email,
            "first_name": client.first_name,
            "last_name": client.last_name,
            "joined": client.date_joined,
            "same_day_reminders": client.same_day_reminders,
        },
        "pregnancy_profile": profile
        and {
            "due_date": profile.due_date,
            "due_date_source": profile.due_date_source,
            "last_period_started_on": profile.last_period_started_on,
            "birth_date": profile.birth_date,
            "delivery": profile.delivery,
            "phone": str(profile.phone or profile.phone_as_given),
            "emergency_contact_name": profile.emergency_contact_name,
            "emergency_contact_phone": profile.emergency_contact_phone,
            "updated_at": profile.updated_at,
        },
        "intake_responses": [
            {
                "given_at": intake.created_at,
                "consent_given_at": intake.consent_given_at,
                "answered_yes": [
                    {
                        "code": code,
                        "question": engine.CONDITIONS[code].question
                        if code in engine.CONDITIONS
                        else "",
                        "note": intake.notes.get(code, ""),
                    }
                    for code in intake.conditions
                ],
            }
            for intake in client.intake_responses.order_by("created_at", "pk")
        ],
        "bookings": [
            {
                "clinic": booking.slot.therapist.clinic.name,
                "therapist": booking.slot.therapist.display_name,
                "starts_at": booking.starts_at,
                "ends_at": booking.ends_at,
                "status": booking.status,
                "safety_flags": [
                    {
                        "code": flag.code,
                        "severity": flag.severity,
                        "title": flag.title,
                        "message_for_you": flag.client_message,
                        "instruction_for_therapist": flag.instruction,
                        "ruleset_version": flag.ruleset_version,
                        "created_at": flag.created_at,
                        "closed_at": flag.closed_at,
                    }
                    for flag in booking.safety_flags.all()
                ],
            }
            for booking in bookings
        ],
        "clearances": [
            {
                "code": clearance.code,
                "issued_by": clearance.issued_by,
                "issued_on": clearance.issued_on,
                "valid_until": clearance.valid_until,
                "note": clearance.note,
            }
            for clearance in Clearance.objects.filter(client=client).order_by("issued_on")
        ],
        **export_care_records(client=client),
        "waitlist": export_waitlist_entries(client=client),
        "doctors_letters": [
            documents.export_entry(document) for document in documents.documents_of(client)
        ],
        "who_saw_or_changed_your_health_data": [
            {
                "when": entry.created_at,
                "who": entry.actor_label,
                "what": entry.get_action_display(),
                "from_address": entry.address,
            }
            for entry in AuditEntry.objects.filter(client=client).order_by("created_at")
        ],
    }
    safety_services.log_audit(actor=client, client=client, action=AuditEntry.Action.EXPORTED_DATA)
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


@transaction.atomic
def delete_client_account(*, client: User) -> None:
    """Cancel her future sessions, erase her health data and anonymise her account.

    The user row is kept, anonymised and deactivated, rather than deleted: her past and
    cancelled bookings stay in the clinics' books (and slots stay correctly free or taken)
    without saying who she was. The audit trail keeps one entry per clinic saying an account
    was deleted, and her older entries lose the link to her.
    """
    # FOR NO KEY UPDATE: her row is anonymised, never deleted, and a clinic cancelling one
    # of her sessions right now writes an outbox row pointing at her (a key-share lock) while
    # holding that session; a full FOR UPDATE here would deadlock with it.
    client = User.objects.select_for_update(no_key=True).get(pk=client.pk)
    clinics = list(Clinic.objects.filter(therapists__slots__bookings__client=client).distinct())
    # Locked, so a session the clinic is cancelling right now drops out here rather than
    # failing her deletion.
    future = (
        Booking.objects.select_for_update(of=("self",))
        .filter(client=client, status=Booking.Status.BOOKED, starts_at__gt=timezone.now())
        .order_by("starts_at")
    )
    for booking in future:
        cancel_booking(
            booking=booking,
            by=Booking.CancelledBy.CLIENT,
            reason="Account deleted",
            enforce_notice=False,
        )
    # Her sessions are cancelled above, so this only closes the plans themselves.
    for plan in Plan.objects.filter(client=client, status=Plan.Status.ACTIVE):
        cancel_plan(plan=plan, by=Booking.CancelledBy.CLIENT)
    erase_care_records(client=client)
    erase_waitlist_entries(client=client)
    SafetyFlag.objects.filter(booking__client=client).delete()
    Clearance.objects.filter(client=client).delete()
    documents.delete_documents(client=client)
    IntakeResponse.objects.filter(client=client).delete()
    PregnancyProfile.objects.filter(client=client).delete()
    AuditEntry.objects.filter(client=client).update(client=None, detail="")
    AuditEntry.objects.filter(actor=client).update(actor=None, actor_label="Former client")
    for clinic in clinics or [None]:
        AuditEntry.objects.create(
            actor=None,
            actor_label="Former client",
            client=None,
            clinic=clinic,
            action=AuditEntry.Action.DELETED_ACCOUNT,
        )
    client.email = f"deleted-{uuid.uuid4().hex}@deleted.invalid"
    client.first_name = ""
    client.last_name = ""
    client.is_active = False
    client.same_day_reminders = False
    client.message_channels = User.MessageChannels.EMAIL
    client.set_unusable_password()
    client.save()
