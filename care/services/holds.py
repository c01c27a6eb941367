"""A therapist records what happened to a session on hold: cleared, or cancelled free of charge."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Booking
from booking.services import cancel_booking
from care.errors import HoldError
from care.models import SessionHold
from care.services.checkins import write_flags_with_hold
from safety import services as safety
from safety.models import AuditEntry


def _open_hold_locked(booking: Booking) -> SessionHold:
    hold = (
        SessionHold.objects.select_for_update()
        .filter(booking=booking, resolved_at__isnull=True)
        .first()
    )
    if hold is None:
        raise HoldError("This session is not on hold.")
    return hold


def _check_clearance(hold: SessionHold, *, cleared_by: str, cleared_on: dt.date | None) -> None:
    clinic = hold.booking.slot.therapist.clinic
    if not cleared_by.strip():
        raise HoldError("Give the name and role of the clinician who saw her.")
    if cleared_on is None:
        raise HoldError("Give the date she was seen.")
    if cleared_on > clinic.today():
        raise HoldError("The clearance cannot be dated in the future.")
    if cleared_on < clinic.local_date(hold.created_at):
        raise HoldError("She must have been seen on or after the day she reported the problem.")


@transaction.atomic
def resolve_hold(
    *,
    booking: Booking,
    by: User,
    outcome: str,
    cleared_by: str = "",
    cleared_on: dt.date | None = None,
    note: str = "",
) -> SessionHold:
    """Close the session's hold; a cleared session may start, a cancelled one is freed."""
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("client", "slot__therapist__clinic")
        .get(pk=booking.pk)
    )
    hold = _open_hold_locked(booking)
    if outcome == SessionHold.Outcome.CLEARED:
        _check_clearance(hold, cleared_by=cleared_by, cleared_on=cleared_on)
        hold.cleared_by, hold.cleared_on = cleared_by.strip(), cleared_on
    elif outcome != SessionHold.Outcome.CANCELLED:
        raise HoldError("Choose what happened.")
    hold.outcome = outcome
    hold.resolution_note = note.strip()
    hold.resolved_by = by
    hold.resolved_at = timezone.now()
    hold.save()
    if outcome == SessionHold.Outcome.CANCELLED and booking.is_active:
        # The clinic cancels for her safety: no notice period, nothing to pay.
        cancel_booking(
            booking=booking,
            by=Booking.CancelledBy.CLINIC,
            reason="Cancelled free of charge after a health concern at check-in.",
            enforce_notice=False,
        )
    elif safety.pregnancy_profile(booking.client) is not None:
        # Cleared: the check-in's red flags no longer stop this session.
        write_flags_with_hold(booking=booking)
    clinic = booking.slot.therapist.clinic
    safety.log_audit(
        actor=by,
        client=booking.client,
        clinic=clinic,
        action=AuditEntry.Action.RESOLVED_HOLD,
        detail=f"Session on {clinic.local_date(booking.starts_at):%Y-%m-%d}",
    )
    return hold
