"""Writing safety flags on bookings and keeping them current when her answers change."""

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from booking.models import Booking
from clinics.models import Clinic
from safety import engine
from safety.dating import GestationalAge, gestational_age_on, gestational_age_or_none
from safety.engine import Finding
from safety.models import (
    AuditEntry,
    Clearance,
    IntakeResponse,
    PregnancyProfile,
    SafetyFlag,
    Severity,
)

logger = logging.getLogger(__name__)


class SafetyError(Exception):
    """A safety operation that cannot go ahead; the message is fit to show the user."""


class ProfileMissing(SafetyError):
    def __init__(self):
        super().__init__("Please tell us your due date before booking.")


class DatingError(SafetyError, ValueError):
    """A session before the pregnancy began (0w0d) by her due date."""


class ClearanceError(SafetyError):
    pass


# --- Reading ---------------------------------------------------------------------------


def latest_intake(client: User) -> IntakeResponse | None:
    return client.intake_responses.order_by("-created_at", "-pk").first()


def pregnancy_profile(client: User) -> PregnancyProfile | None:
    return PregnancyProfile.objects.filter(client=client).first()


def client_ready_to_book(client: User) -> bool:
    """She has a pregnancy profile and an intake response given with consent."""
    return (
        PregnancyProfile.objects.filter(client=client).exists()
        and client.intake_responses.filter(consent_given_at__isnull=False).exists()
    )


def session_date(booking: Booking) -> dt.date:
    """The session's date in its clinic's time zone: the date the rules are evaluated on."""
    return booking.slot.therapist.clinic.local_date(booking.starts_at)


def gestational_age_at_session(booking: Booking) -> GestationalAge | None:
    profile = pregnancy_profile(booking.client)
    if profile is None:
        return None
    return gestational_age_or_none(profile.due_date, session_date(booking))


def findings_for(*, client: User, clinic: Clinic, on: dt.date) -> list[Finding]:
    """The rule set's findings for ``client`` on ``on``, with the clinic's raised severities."""
    profile = pregnancy_profile(client)
    if profile is None:
        raise ProfileMissing()
    intake = latest_intake(client)
    conditions = intake.conditions if intake else []
    try:
        gestational_age_on(profile.due_date, on)
    except ValueError as error:
        raise DatingError(
            f"{on.day} {on:%B %Y} is before the start of your pregnancy by your due date "
            f"({profile.due_date.day} {profile.due_date:%B %Y}). Please check your due date."
        ) from error
    findings = engine.evaluate(profile.due_date, on, conditions)
    return engine.apply_raised_severities(findings, clinic.raised_severities)


def open_flags(booking: Booking) -> list[SafetyFlag]:
    """Open flags of a booking, most serious first."""
    flags = [flag for flag in booking.safety_flags.all() if flag.is_open]
    return sorted(flags, key=lambda flag: -engine.SEVERITY_RANK[flag.severity])


def has_block(flags) -> bool:
    return any(flag.severity == Severity.BLOCK for flag in flags)


def clearances_covering(*, client: User | int, on: dt.date) -> QuerySet[Clearance]:
    """Clearances valid on ``on``: issued on or before it, and not yet expired."""
    return Clearance.objects.filter(client=client, issued_on__lte=on).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


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


def uncleared_blocks(*, client: User, blocks: list[Finding], on: dt.date) -> list[Finding]:
    """The blocks that still stop staff booking on ``on``.

    Only a block the rule table marks as bookable by phone with the maternity team, covered
    by a clearance with an end date that includes ``on``, is lifted; all others remain.
    """
    overridable = {b.code for b in blocks if b.code in engine.BOOKABLE_BY_PHONE_WITH_CLEARANCE}
    cleared = set()
    if overridable:
        cleared = set(
            clearances_covering(client=client, on=on)
            .filter(code__in=overridable, valid_until__isnull=False)
            .values_list("code", flat=True)
        )
    return [block for block in blocks if block.code not in cleared]


def clearance_needed(booking: Booking) -> bool:
    return any(view.needs_clearance for view in flags_for_review(booking))


# --- Access -----------------------------------------------------------------------------


def staff_can_see_booking(user: User, booking: Booking) -> bool:
    """The therapist of the session and the admins of its clinic; nobody else."""
    if not user.is_authenticated:
        return False
    therapist = booking.slot.therapist
    return therapist.user_id == user.pk or therapist.clinic.admins.filter(pk=user.pk).exists()


def bookings_visible_to(user: User) -> QuerySet[Booking]:
    return Booking.objects.filter(
        Q(slot__therapist__user=user) | Q(slot__therapist__clinic__admins=user)
    ).distinct()


# --- Audit trail ------------------------------------------------------------------------


def log_audit(
    *,
    actor: User | None,
    client: User | None,
    action: str,
    clinic: Clinic | None = None,
    detail: str = "",
) -> AuditEntry:
    label = ""
    if actor is not None:
        label = f"{actor.get_full_name() or actor.email} ({User.Role(actor.role).label})"
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=label[:200],
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
    therapist are e-mailed once the change is committed.
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
    if result.newly_blocked:
        ids = [booking.pk for booking in result.newly_blocked]
        transaction.on_commit(lambda: send_blocked_session_emails(booking_ids=ids))
    return result


def send_blocked_session_emails(*, booking_ids: list[int]) -> None:
    """Tell her and the therapist that a booked session can no longer go ahead as it stands."""
    bookings = Booking.objects.filter(pk__in=booking_ids).select_related(
        "client", "slot__therapist__clinic", "slot__therapist__user"
    )
    for booking in bookings:
        clinic = booking.slot.therapist.clinic
        context = {
            "booking": booking,
            "clinic": clinic,
            "therapist": booking.slot.therapist,
            "starts_at": timezone.localtime(booking.starts_at, clinic.tz),
            "flags": [flag for flag in open_flags(booking) if flag.severity == Severity.BLOCK],
            "booking_url": settings.SITE_URL + reverse("booking:booking", args=[booking.pk]),
            "review_url": settings.SITE_URL
            + reverse("safety:session_review", kwargs={"booking_id": booking.pk}),
        }
        for audience, recipient in (
            ("client", booking.client.email),
            ("therapist", booking.slot.therapist.user.email),
        ):
            template = f"safety/email/session_blocked_{audience}"
            message = EmailMultiAlternatives(
                subject=render_to_string(f"{template}_subject.txt", context).strip(),
                body=render_to_string(f"{template}.txt", context),
                to=[recipient],
                reply_to=[clinic.email],
            )
            message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
            try:
                message.send()
            except Exception:
                # The flags are stored and shown on the session either way; a lost e-mail
                # must not hide that, so log it and carry on with the next one.
                logger.exception("Could not send the blocked-session e-mail for %s", booking.pk)


# --- Her answers ------------------------------------------------------------------------


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


@transaction.atomic
def save_pregnancy_profile(
    *,
    client: User,
    due_date: dt.date,
    due_date_source: str,
    last_period_started_on: dt.date | None,
    phone: str,
    emergency_contact_name: str,
    emergency_contact_phone: str,
    recorded_by: User | None = None,
    clinic: Clinic | None = None,
) -> PregnancyProfile:
    """Create or update her profile; a changed due date re-evaluates her future sessions.

    ``recorded_by`` is the staff member who took it down on the phone (at ``clinic``).
    """
    check_sessions_fit_due_date(client=client, due_date=due_date)
    profile = PregnancyProfile.objects.select_for_update().filter(client=client).first()
    due_date_changed = profile is None or profile.due_date != due_date
    profile = profile or PregnancyProfile(client=client)
    profile.due_date = due_date
    profile.due_date_source = due_date_source
    profile.last_period_started_on = last_period_started_on
    profile.phone = phone
    profile.emergency_contact_name = emergency_contact_name
    profile.emergency_contact_phone = emergency_contact_phone
    profile.save()
    log_audit(
        actor=recorded_by or client,
        client=client,
        clinic=clinic,
        action=AuditEntry.Action.CHANGED_PROFILE,
        detail=f"Due date {due_date.isoformat()}" if due_date_changed else "",
    )
    if due_date_changed:
        reevaluate_future_bookings(client=client)
    return profile


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
    reevaluate_future_bookings(client=client)
    return intake


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
    today = timezone.localdate()
    if issued_on > today:
        raise ClearanceError("The clearance cannot be dated in the future.")
    if valid_until is not None and valid_until < issued_on:
        raise ClearanceError("“Valid until” must be on or after the date it was issued.")
    on = session_date(booking)
    if not (issued_on <= on and (valid_until is None or valid_until >= on)):
        raise ClearanceError("That clearance would not cover this session's date.")
    clearance = Clearance.objects.create(
        client=booking.client,
        code=code,
        issued_by=issued_by.strip(),
        issued_on=issued_on,
        valid_until=valid_until,
        note=note.strip(),
        recorded_by=recorded_by,
    )
    log_audit(
        actor=recorded_by,
        client=booking.client,
        clinic=booking.slot.therapist.clinic,
        action=AuditEntry.Action.RECORDED_CLEARANCE,
        detail=f"{code}, valid until {valid_until.isoformat() if valid_until else 'the birth'}",
    )
    return clearance


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
        detail=f"{code}, valid until {valid_until:%Y-%m-%d}, ref. {clearance.document_reference}",
    )
    return clearance


# --- Her data: export and deletion ------------------------------------------------------


def export_client_data(*, client: User) -> bytes:
    """Everything we hold about her, as JSON; the export itself is audited."""
    profile = pregnancy_profile(client)
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
            "phone": profile.phone,
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
        "who_saw_or_changed_your_health_data": [
            {"when": entry.created_at, "who": entry.actor_label, "what": entry.get_action_display()}
            for entry in AuditEntry.objects.filter(client=client).order_by("created_at")
        ],
    }
    log_audit(actor=client, client=client, action=AuditEntry.Action.EXPORTED_DATA)
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


@transaction.atomic
def delete_client_account(*, client: User) -> None:
    """Cancel her future sessions, erase her health data and anonymise her account.

    The user row is kept, anonymised and deactivated, rather than deleted: her past and
    cancelled bookings stay in the clinics' books (and slots stay correctly free or taken)
    without saying who she was. The audit trail keeps one entry per clinic saying an account
    was deleted, and her older entries lose the link to her.
    """
    from booking.models import Plan
    from booking.services import cancel_booking, cancel_plan

    client = User.objects.select_for_update().get(pk=client.pk)
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
    SafetyFlag.objects.filter(booking__client=client).delete()
    Clearance.objects.filter(client=client).delete()
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
    client.set_unusable_password()
    client.save()
