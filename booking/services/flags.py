"""Safety flags on bookings: writing them at each session's date, keeping them current when
her answers change, what a red-flag answer puts on hold, the clearances her sessions still
need, and the therapist's review (acknowledging, recording clearances)."""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Booking
from booking.services.notices import notify_clinics_sessions_on_hold, notify_session_blocked
from clinics.models import Clinic
from common.db import PreparedQuery
from safety import engine
from safety.dating import GestationalAge, gestational_age_on, gestational_age_or_none
from safety.engine import Finding
from safety.models import (
    AuditEntry,
    Clearance,
    ClearanceDocument,
    PregnancyProfile,
    SafetyFlag,
    Severity,
)
from safety.services import (
    ClearanceError,
    DatingError,
    clearances_covering,
    findings_for,
    log_audit,
    pregnancy_profile,
    red_flag_rules,
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


def _prefetched_clearances(booking: Booking) -> bool:
    client = booking.client
    return "clearances" in getattr(client, "_prefetched_objects_cache", {})


# Her clearances, read on every visit to "My bookings" (compiled once per process).
HER_CLEARANCES = PreparedQuery(
    lambda client_id: Clearance.objects.filter(client_id=client_id), client_id=-1
)


def mark_cleared_codes(bookings: list[Booking]) -> None:
    """Set ``cleared_codes`` on each of her bookings: the clearance flags a recorded clearance
    covers on its date. One query for all of them, so a list of sessions costs the same."""
    client_ids = {booking.client_id for booking in bookings}
    if not client_ids:
        return
    if all(_prefetched_clearances(booking) for booking in bookings):
        # The pages' queries prefetch them (``booking.queries.CLEARANCES``): no query at all.
        clearances = [c for booking in bookings for c in booking.client.clearances.all()]
    elif len(client_ids) == 1:
        clearances = HER_CLEARANCES.fetch(client_id=next(iter(client_ids)))
    else:
        clearances = list(Clearance.objects.filter(client_id__in=client_ids))
    for booking in bookings:
        on = session_date(booking)
        booking.cleared_codes = {
            clearance.code
            for clearance in clearances
            if clearance.client_id == booking.client_id and clearance.covers(on)
        }


def clearances_still_needed(client: User) -> list[SafetyFlag]:
    """One open clearance flag per rule that a recorded clearance does not yet cover on one of
    her upcoming sessions (each with its earliest such session as ``flag.booking``)."""
    bookings = list(
        Booking.objects.filter(
            client=client, status=Booking.Status.BOOKED, starts_at__gt=timezone.now()
        )
        .select_related("slot__therapist__clinic")
        .prefetch_related("safety_flags")
        .order_by("starts_at")
    )
    mark_cleared_codes(bookings)
    needed: dict[str, SafetyFlag] = {}
    for booking in bookings:
        for flag in booking.safety_flags.all():
            if (
                flag.is_open
                and flag.severity == Severity.CLEARANCE
                and flag.code not in booking.cleared_codes
            ):
                needed.setdefault(flag.code, flag)
    return list(needed.values())


def clearance_findings_uncovered(
    findings: list[Finding], *, client: User, on: dt.date
) -> list[Finding]:
    """The `clearance` findings of a session on ``on`` that no recorded clearance covers yet:
    what she should know before she books it."""
    wanted = [finding for finding in findings if finding.severity == Severity.CLEARANCE]
    if not wanted:
        return []
    covered = set(clearances_covering(client=client, on=on).values_list("code", flat=True))
    return [finding for finding in wanted if finding.code not in covered]


# --- After a red-flag answer: what to do now --------------------------------------------


def sessions_on_hold(client: User) -> list[Booking]:
    """Her upcoming booked sessions that a `block` flag stops, soonest first."""
    return list(
        Booking.objects.filter(
            client=client,
            status=Booking.Status.BOOKED,
            starts_at__gt=timezone.now(),
            safety_flags__closed_at__isnull=True,
            safety_flags__severity=Severity.BLOCK,
        )
        .select_related("slot__therapist__clinic")
        .distinct()
        .order_by("starts_at")
    )


@dataclass
class RedFlagOutcome:
    """What her latest answers mean right now: what to do, what is on hold, who was told."""

    rules: list[engine.ConditionRule]
    on_hold: list[Booking]
    # The clinics she booked with before, for their emergency number when nothing is on hold.
    other_clinics: list[Clinic] = field(default_factory=list)

    @property
    def clinics(self) -> list[Clinic]:
        clinics = (booking.slot.therapist.clinic for booking in self.on_hold)
        return list({clinic.pk: clinic for clinic in clinics}.values())

    @property
    def emergency(self) -> bool:
        return any(rule.emergency for rule in self.rules)

    @property
    def emergency_numbers(self) -> list[str]:
        """The numbers her clinics set (in their settings) for emergency services."""
        return sorted({clinic.emergency_number for clinic in self.clinics or self.other_clinics})


def red_flag_outcome(client: User) -> RedFlagOutcome | None:
    """None unless one of her current answers stops every session (a `block` rule)."""
    rules = red_flag_rules(client)
    if not rules:
        return None
    on_hold = sessions_on_hold(client)
    other_clinics = []
    if not on_hold and any(rule.emergency for rule in rules):
        other_clinics = list(
            Clinic.objects.filter(therapists__slots__bookings__client=client).distinct()
        )
    return RedFlagOutcome(rules=rules, on_hold=on_hold, other_clinics=other_clinics)


# --- Writing flags ----------------------------------------------------------------------


def _same(flag: SafetyFlag, finding: Finding) -> bool:
    # The rule-set version is left out on purpose: a rule a newer version left unchanged keeps
    # its flag (and the version it was written under, and its acknowledgement).
    return (
        flag.severity == finding.severity
        and flag.title == finding.title
        and flag.instruction == finding.instruction
    )


# Answers that hold for one session only, from apps above booking (a check-in's red flags):
# each provider gives a booking's extra condition codes.
_session_condition_providers: list[Callable[[Booking], Iterable[str]]] = []


def register_session_conditions(provider: Callable[[Booking], Iterable[str]]) -> None:
    if provider not in _session_condition_providers:
        _session_condition_providers.append(provider)


def session_conditions(booking: Booking) -> set[str]:
    return {code for provider in _session_condition_providers for code in provider(booking)}


def flag_of(booking: Booking, finding: Finding) -> SafetyFlag:
    return SafetyFlag(
        booking=booking,
        code=finding.code,
        severity=finding.severity,
        title=finding.title,
        instruction=finding.instruction,
        client_message=finding.client_message,
        ruleset_version=engine.RULESET_VERSION,
    )


def flag_new_sessions(findings_by_booking: list[tuple[Booking, list[Finding]]]) -> list[SafetyFlag]:
    """The flags of sessions just booked, each from its findings at its own date, in one
    insert: a new booking has no flags to close or keep (``write_flags`` does that)."""
    return SafetyFlag.objects.bulk_create(
        flag_of(booking, finding)
        for booking, findings in findings_by_booking
        for finding in findings
    )


@transaction.atomic
def write_flags(
    *, booking: Booking, extra_conditions: Iterable[str] = (), answers=None
) -> list[SafetyFlag]:
    """Evaluate ``booking`` at its own date and store its SafetyFlag rows.

    ``extra_conditions`` add answers given for this session only, ``answers`` are hers as
    already read in this transaction (see ``findings_for``).

    New findings become new flags; flags that no longer apply, or whose severity or wording
    changed, are closed (never deleted) so the history of what the therapist was told stays.
    Returns the open flags, most serious first.
    """
    clinic = booking.slot.therapist.clinic
    findings = findings_for(
        client=booking.client,
        clinic=clinic,
        on=session_date(booking),
        extra_conditions=extra_conditions,
        answers=answers,
    )
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
        flag_of(booking, finding)
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

    A session that becomes ``block`` is not cancelled (the clinic decides); she, the
    therapist and the clinic are told by e-mail (outbox rows of this transaction, sent by a
    worker).
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
        flags = write_flags(booking=booking, extra_conditions=session_conditions(booking))
        result.bookings.append(booking)
        if has_block(flags) and not was_blocked:
            result.newly_blocked.append(booking)
    for booking in result.newly_blocked:
        notify_session_blocked(booking)
    notify_clinics_sessions_on_hold(result.newly_blocked)
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
    document: ClearanceDocument | None = None,
) -> Clearance:
    """A clinician's written clearance for one clearance flag of the session.

    It covers her sessions from ``issued_on`` until ``valid_until`` (or the birth when empty);
    ``document`` is the letter she uploaded that it was verified from, if any.
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
    if document is not None and document.client_id != booking.client_id:
        raise ClearanceError("That letter is not from this client.")
    clearance = Clearance(
        client=booking.client,
        document=document,
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
        detail=f"Session on {session_date(booking):%Y-%m-%d}",
    )
    return clearance
