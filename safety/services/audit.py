"""The audit trail: who saw or changed a client's health data, and when."""

from django.db.models import Q, QuerySet

from accounts.lockout import request_address
from accounts.models import User
from clinics.models import Clinic
from safety.models import AuditEntry


def log_audit(
    *,
    actor: User | None,
    client: User | None,
    action: str,
    clinic: Clinic | None = None,
    detail: str = "",
) -> AuditEntry:
    """One row: who, what, for whom, when and from where. ``detail`` names the session or
    document, never a health value (no answers, dates of her pregnancy or conditions)."""
    label = ""
    if actor is not None:
        label = f"{actor.get_full_name() or actor.email} ({User.Role(actor.role).label})"
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=label[:200],
        address=request_address() or None,
        client=client,
        clinic=clinic,
        action=action,
        detail=detail[:300],
    )


def audit_entries_for_clinics(clinics: list[Clinic]) -> QuerySet[AuditEntry]:
    """Entries written at these clinics, and a client's own changes if she is their client."""
    clients = User.objects.filter(bookings__slot__therapist__clinic__in=clinics)
    return (
        AuditEntry.objects.filter(
            Q(clinic__in=clinics) | Q(clinic__isnull=True, client__in=clients.values("pk"))
        )
        .select_related("client")
        .order_by("-created_at", "-pk")
    )
