"""Her check-ins, holds and treatment notes in her data export, and erased with her account."""

from accounts.models import User
from care.models import CheckIn, SessionHold, TreatmentNote


def export_care_records(*, client: User) -> dict:
    """Every check-in, hold and note version about her, oldest first, for her export."""
    checkins = (
        CheckIn.objects.filter(client=client)
        .select_related("booking")
        .order_by("booking__starts_at")
    )
    holds = SessionHold.objects.filter(booking__client=client).select_related("booking")
    notes = TreatmentNote.objects.filter(client=client).select_related("booking", "clinic")
    return {
        "check_ins": [
            {
                "session_starts_at": checkin.booking.starts_at,
                "red_flags_answered_yes": checkin.red_flags,
                "anything_new": checkin.anything_new,
                "pain_worst_last_24h": checkin.pain,
                "pain_goes_to": checkin.pain_area_labels,
                "effect_on_sleep": checkin.get_sleep_effect_display(),
                "effect_on_walking": checkin.get_walking_effect_display(),
                "answered_at": checkin.updated_at,
            }
            for checkin in checkins
        ],
        "sessions_on_hold": [
            {
                "session_starts_at": hold.booking.starts_at,
                "red_flags": hold.red_flags,
                "placed_at": hold.created_at,
                "outcome": hold.get_outcome_display() if hold.outcome else "Open",
                "cleared_by": hold.cleared_by,
                "cleared_on": hold.cleared_on,
                "note": hold.resolution_note,
                "resolved_at": hold.resolved_at,
            }
            for hold in holds.order_by("created_at")
        ],
        "treatment_notes": [
            {
                "session_starts_at": note.booking.starts_at,
                "clinic": note.clinic.name,
                "version": note.version,
                "amendment_reason": note.amendment_reason,
                "positions": note.position_labels,
                "bolsters": note.bolsters,
                "areas_worked": note.area_labels,
                "techniques_and_pressure": note.techniques,
                "areas_avoided": note.areas_avoided,
                "pain_after": note.pain_after,
                "notes": note.free_text,
                "adapt_flags": note.adapt_checks,
                "signed_by": note.signed_by_label,
                "signed_at": note.signed_at,
            }
            for note in notes.order_by("booking__starts_at", "version")
        ],
    }


def erase_care_records(*, client: User) -> None:
    """Her check-ins, holds and notes go with her account (bulk deletes skip ``save``)."""
    SessionHold.objects.filter(booking__client=client).delete()
    CheckIn.objects.filter(client=client).delete()
    TreatmentNote.objects.filter(client=client).delete()
