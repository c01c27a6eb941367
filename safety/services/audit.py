"""The audit trail: who saw or changed a client's health data, and when."""

from django.db.models import Q, QuerySet

from accounts.lockout import request_address
from accounts.models import User
from clinics.models import Clinic
from safety.models import AuditEntry


def _label(actor: User | None) -> str:
    if actor is None:
        return ""
    return f"{actor.get_full_name() or actor.email} ({User.Role(actor.role).label})"[:200]


def _entry(*, actor, client, clinic, action: str, detail: str) -> AuditEntry:
    return AuditEntry(
        actor=actor,
        actor_label=_label(actor),
        address=request_address() or None,
        client=client,
        clinic=clinic,
        action=action,
        detail=detail[:300],
    )


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
    entry = _entry(actor=actor, client=client, clinic=clinic, action=action, detail=detail)
    entry.save()
    return entry


def log_audit_many(
    *, actor: User | None, entries: list[tuple[User, Clinic | None]], action: str, detail: str = ""
) -> list[AuditEntry]:
    """One entry per (client, clinic) pair, in one query: a page that shows several clients'
    answers at once."""
    return AuditEntry.objects.bulk_create(
        _entry(actor=actor, client=client, clinic=clinic, action=action, detail=detail)
        for client, clinic in entries
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
