"""Her health answers: each save is a new version, and her future sessions are re-checked."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from clinics.models import Clinic
from safety import engine, signals
from safety.models import AuditEntry, IntakeResponse
from safety.services.audit import log_audit
from safety.services.errors import SafetyError


@transaction.atomic
def record_intake(
    *,
    client: User,
    conditions: list[str],
    notes: dict[str, str],
    consent: bool,
    recorded_by: User | None = None,
    clinic: Clinic | None = None,
) -> IntakeResponse:
    """Store a new version of her answers and re-evaluate her future sessions.

    ``recorded_by`` is the staff member who took her answers on the phone (at ``clinic``);
    the audit trail names that person instead of her.
    """
    if not consent:
        raise SafetyError("Please agree to us storing your health answers for your care.")
    unknown = sorted(set(conditions) - engine.CONDITIONS.keys())
    if unknown:
        raise ValueError(f"Unknown condition code(s): {', '.join(unknown)}.")
    ordered = [rule.condition for rule in engine.CONDITION_RULES if rule.condition in conditions]
    intake = IntakeResponse.objects.create(
        client=client,
        conditions=ordered,
        notes={code: note.strip() for code, note in notes.items() if note and note.strip()},
        consent_given_at=timezone.now(),
    )
    log_audit(
        actor=recorded_by or client,
        client=client,
        clinic=clinic,
        action=AuditEntry.Action.CHANGED_INTAKE,
        detail=f"{len(ordered)} yes answer(s)",
    )
    signals.answers_changed.send(sender=IntakeResponse, client=client)
    return intake
