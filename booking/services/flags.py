"""Safety flags on bookings: writing them at each session's date, keeping them current when
her answers change, and the therapist's review (acknowledging, recording clearances)."""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Booking
from booking.services.notices import notify_session_blocked
from safety import engine
from safety.dating import GestationalAge, gestational_age_on, gestational_age_or_none
from safety.engine import Finding
from safety.models import AuditEntry, Clearance, PregnancyProfile, SafetyFlag, Severity
from safety.services import (
    ClearanceError,
    DatingError,
    clearances_covering,
    findings_for,
    log_audit,
    pregnancy_profile,
)

logger = logging.getLogger(__name__)


def session_date(booking: Booking) -> dt.date:
    """The session's date in its clinic's time zone: the date the rules are evaluated on."""
    return booking.slot.therapist.clinic.local_date(booking.starts_at)


def gestational_age_at_session(booking: Booking) -> GestationalAge | None:
    profile = pregnancy_profile(booking.client)
    if profile is None:
        return None
    return gestational_age_or_none(profile.due_date, session_date(booking))


def open_flags(booking: Booking) -> list[SafetyFlag]:
    """Open flags of a booking, most serious first."""
    flags = [flag for flag in booking.safety_flags.all() if flag.is_open]
    return sorted(flags, key=lambda flag: -engine.SEVERITY_RANK[flag.severity])


def has_block(flags) -> bool:
    return any(flag.severity == Severity.BLOCK for flag in flags)


@dataclass
class FlagView:
    """A flag as the therapist sees it: whether a clearance covers it on the session's date."""

    flag: SafetyFlag
    clearance: Clearance | None = None

    @property
    def needs_clearance(self) -> bool:
        return self.flag.severity == Severity.CLEARANCE and self.clearance is None


def is_cleared_kind(flag) -> bool:
    """A clearance flag, or the one block a clinic may book against a clearance."""
    return flag.severity == Severity.CLEARANCE or (
        flag.severity == Severity.BLOCK and flag.code in engine.BOOKABLE_BY_PHONE_WITH_CLEARANCE
    )


def flags_for_review(booking: Booking) -> list[FlagView]:
    flags = open_flags(booking)
    on = session_date(booking)
    covering = {}
    if any(is_cleared_kind(flag) for flag in flags):
        for clearance in clearances_covering(client=booking.client, on=on).order_by("issued_on"):
            covering[clearance.code] = clearance
    return [
        FlagView(flag, covering.get(flag.code) if is_cleared_kind(flag) else None) for flag in flags
    ]


def clearance_needed(booking: Booking) -> bool:
    return any(view.needs_clearance for view in flags_for_review(booking))


def staff_can_see_booking(user: User, booking: Booking) -> bool:
    """The therapist of the session and the admins of its clinic; nobody else."""
    if not user.is_authenticated:
        return False
    therapist = booking.slot.therapist
    return therapist.user_id == user.pk or therapist.clinic.admins.filter(pk=user.pk).exists()


# --- Writing flags ----------------------------------------------------------------------


def _same(flag: SafetyFlag, finding: Finding) -> bool:
    return (
        flag.severity == finding.severity
        and flag.ruleset_version == engine.RULESET_VERSION
        and flag.title == finding.title
        and flag.instruction == finding.instruction
    )


@transaction.atomic
def write_flags(*, booking: Booking) -> list[SafetyFlag]:
    """Evaluate ``booking`` at its own date and store its SafetyFlag rows.

    New findings become new flags; flags that no longer apply, or whose severity or wording
    changed, are closed (never deleted) so the history of what the therapist was told stays.
    Returns the open flags, most serious first.
    """
    clinic = booking.slot.therapist.clinic
    findings = findings_for(client=booking.client, clinic=clinic, on=session_date(booking))
    now = timezone.now()
    current = {
        flag.code: flag
        for flag in SafetyFlag.objects.select_for_update().filter(
            booking=booking, closed_at__isnull=True
        )
    }
    wanted = {finding.code: finding for finding in findings}
    to_close = [
        flag
        for code, flag in current.items()
        if code not in wanted or not _same(flag, wanted[code])
    ]
    if to_close:
        SafetyFlag.objects.filter(pk__in=[flag.pk for flag in to_close]).update(closed_at=now)
    closed = {flag.code for flag in to_close}
    created = SafetyFlag.objects.bulk_create(
        SafetyFlag(
            booking=booking,
            code=finding.code,
            severity=finding.severity,
            title=finding.title,
            instruction=finding.instruction,
            client_message=finding.client_message,
            ruleset_version=engine.RULESET_VERSION,
        )
        for finding in findings
        if finding.code not in current or finding.code in closed
    )
    if created and booking.flags_acknowledged_at is not None:
        # Something new to read: the therapist acknowledges again before the session.
        booking.flags_acknowledged_at = None
        booking.flags_acknowledged_by = None
        booking.save(update_fields=["flags_acknowledged_at", "flags_acknowledged_by", "updated_at"])
    kept = [flag for code, flag in current.items() if code not in closed]
    return sorted(kept + created, key=lambda flag: -engine.SEVERITY_RANK[flag.severity])


@dataclass
class Reevaluation:
    bookings: list[Booking] = field(default_factory=list)
    newly_blocked: list[Booking] = field(default_factory=list)


@transaction.atomic
def reevaluate_future_bookings(*, client: User) -> Reevaluation:
    """Re-write the flags of her future active sessions; past sessions keep their history.

    A session that becomes ``block`` is not cancelled (the clinic decides); she and the
    therapist are told by e-mail (outbox rows of this transaction, sent by a worker).
    """
    result = Reevaluation()
    if not PregnancyProfile.objects.filter(client=client).exists():
        return result
    bookings = (
        Booking.objects.select_for_update(of=("self",))
        .filter(client=client, status=Booking.Status.BOOKED, starts_at__gt=timezone.now())
        .select_related("slot__therapist__clinic", "slot__therapist__user", "client")
        .order_by("starts_at")
    )
    for booking in bookings:
        was_blocked = booking.safety_flags.filter(
            closed_at__isnull=True, severity=Severity.BLOCK
        ).exists()
        flags = write_flags(booking=booking)
        result.bookings.append(booking)
        if has_block(flags) and not was_blocked:
            result.newly_blocked.append(booking)
    for booking in result.newly_blocked:
        notify_session_blocked(booking)
    return result


def check_sessions_fit_due_date(*, client: User, due_date: dt.date) -> None:
    """Refuse a due date that would put one of her booked sessions before 0w0d."""
    for booking in Booking.objects.filter(
        client=client, status=Booking.Status.BOOKED, starts_at__gt=timezone.now()
    ).select_related("slot__therapist__clinic"):
        on = session_date(booking)
        try:
            gestational_age_on(due_date, on)
        except ValueError as error:
            raise DatingError(
                f"With that due date your session on {on.day} {on:%B %Y} would be before your "
                "pregnancy began. Please check the date, or cancel that session first."
            ) from error


# --- Therapist actions ------------------------------------------------------------------


@transaction.atomic
def acknowledge(*, booking: Booking, by: User) -> Booking:
    """The therapist has read the session's flags: record who and when, on each open flag too."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    now = timezone.now()
    booking.flags_acknowledged_by = by
    booking.flags_acknowledged_at = now
    booking.save(update_fields=["flags_acknowledged_by", "flags_acknowledged_at", "updated_at"])
    booking.safety_flags.filter(closed_at__isnull=True, acknowledged_at__isnull=True).update(
        acknowledged_by=by, acknowledged_at=now
    )
    log_audit(
        actor=by,
        client=booking.client,
        clinic=booking.slot.therapist.clinic,
        action=AuditEntry.Action.ACKNOWLEDGED_FLAGS,
        detail=f"Session on {session_date(booking):%Y-%m-%d}",
    )
    return booking


@transaction.atomic
def record_clearance(
    *,
    booking: Booking,
    code: str,
    issued_by: str,
    issued_on: dt.date,
    valid_until: dt.date | None,
    note: str,
    recorded_by: User,
) -> Clearance:
    """A clinician's written clearance for one clearance flag of the session.

    It covers her sessions from ``issued_on`` until ``valid_until`` (or the birth when empty).
    """
    if not booking.safety_flags.filter(
        closed_at__isnull=True, code=code, severity=Severity.CLEARANCE
    ).exists():
        raise ClearanceError("That session has no open flag needing this clearance.")
    # "Today" where the clinic is: just after midnight in London it is still yesterday in UTC.
    if issued_on > booking.slot.therapist.clinic.today():
        raise ClearanceError("The clearance cannot be dated in the future.")
    if valid_until is not None and valid_until < issued_on:
        raise ClearanceError("“Valid until” must be on or after the date it was issued.")
    clearance = Clearance(
        client=booking.client,
        code=code,
        issued_by=issued_by.strip(),
        issued_on=issued_on,
        valid_until=valid_until,
        note=note.strip(),
        recorded_by=recorded_by,
    )
    if not clearance.covers(session_date(booking)):
        raise ClearanceError("That clearance would not cover this session's date.")
    clearance.save()
    log_audit(
        actor=recorded_by,
        client=booking.client,
        clinic=booking.slot.therapist.clinic,
        action=AuditEntry.Action.RECORDED_CLEARANCE,
        detail=f"{code}, valid until {valid_until.isoformat() if valid_until else 'the birth'}",
    )
    return clearance
