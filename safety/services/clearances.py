"""Clearances a clinician gave her, which of them hold on a date, and the one block the
clinic may book against a maternity-team clearance."""

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from clinics.models import Clinic
from safety import engine
from safety.engine import Finding
from safety.models import AuditEntry, Clearance
from safety.services.audit import log_audit
from safety.services.errors import ClearanceError


def clearances_covering(*, client: User | int, on: dt.date) -> QuerySet[Clearance]:
    """Her clearances valid on ``on``: issued on or before it, and not yet expired."""
    return Clearance.objects.filter(client=client).covering(on)


def phone_booking_clearances(client: User) -> list[Clearance]:
    """Her clearances that may lift a block for staff booking by phone, read once for the
    many dates of a plan (see ``uncleared_blocks``)."""
    return list(
        Clearance.objects.filter(
            client=client,
            code__in=engine.BOOKABLE_BY_PHONE_WITH_CLEARANCE,
            valid_until__isnull=False,
        )
    )


def uncleared_blocks(
    *,
    client: User,
    blocks: list[Finding],
    on: dt.date,
    clearances: list[Clearance] | None = None,
) -> list[Finding]:
    """The blocks that still stop staff booking on ``on``.

    Only a block the rule table marks as bookable by phone with the maternity team, covered
    by a clearance with an end date that includes ``on``, is lifted; all others remain.
    ``clearances`` are her ``phone_booking_clearances`` as already read (read now if not).
    """
    overridable = {b.code for b in blocks if b.code in engine.BOOKABLE_BY_PHONE_WITH_CLEARANCE}
    cleared = set()
    if overridable and clearances is not None:
        cleared = {
            clearance.code
            for clearance in clearances
            if clearance.code in overridable
            and clearance.valid_until is not None
            and clearance.covers(on)
        }
    elif overridable:
        cleared = set(
            clearances_covering(client=client, on=on)
            .filter(code__in=overridable, valid_until__isnull=False)
            .values_list("code", flat=True)
        )
    return [block for block in blocks if block.code not in cleared]


@transaction.atomic
def record_phone_booking_clearance(
    *,
    client: User,
    clinic: Clinic,
    code: str,
    issued_by: str,
    issued_on: dt.date,
    valid_until: dt.date | None,
    document_reference: str,
    note: str = "",
    recorded_by: User,
) -> Clearance:
    """Her maternity team's clearance for a block the rule table lets the clinic book by phone.

    Only a clinic admin of ``clinic`` records it, and it always names an end date and the
    document, so the booking against it can be traced to a letter that says so.
    """
    if code not in engine.BOOKABLE_BY_PHONE_WITH_CLEARANCE:
        raise ClearanceError("This safety rule can't be cleared: nobody can book past it.")
    if not clinic.admins.filter(pk=recorded_by.pk).exists():
        raise ClearanceError("Only an admin of this clinic can record this clearance.")
    if not issued_by.strip():
        raise ClearanceError("Say who gave the clearance (name and role).")
    if not document_reference.strip():
        raise ClearanceError("Give the reference of the clearance letter or record.")
    if valid_until is None:
        raise ClearanceError("Say until when the clearance holds.")
    if issued_on > clinic.today():
        raise ClearanceError("The clearance cannot be dated in the future.")
    if valid_until < issued_on:
        raise ClearanceError("“Valid until” must be on or after the date it was issued.")
    clearance = Clearance.objects.create(
        client=client,
        code=code,
        issued_by=issued_by.strip(),
        issued_on=issued_on,
        valid_until=valid_until,
        document_reference=document_reference.strip(),
        note=note.strip(),
        recorded_by=recorded_by,
    )
    log_audit(
        actor=recorded_by,
        client=client,
        clinic=clinic,
        action=AuditEntry.Action.RECORDED_CLEARANCE,
        detail=f"Ref. {clearance.document_reference}",
    )
    return clearance
