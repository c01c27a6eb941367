"""Her check-in before a session: when it is open, recording it, and what a red flag does."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Booking
from booking.services import flags
from care import messages
from care.errors import CareError, CheckInClosed, SessionOnHold
from care.models import CheckIn, Effect, PainArea, SessionHold
from safety import engine
from safety import services as safety
from safety.models import AuditEntry

# Long enough to answer the evening before a morning session, short enough to be "now".
CHECKIN_OPENS_BEFORE = dt.timedelta(hours=48)


def checkin_questions(booking: Booking) -> list[engine.ConditionRule]:
    """The rule table's "Right now" questions for this session, in table order.

    From the birth on, the two postnatal red flags join them, as they join her intake; the
    pregnancy ones stay, because the rule table adds to the group rather than replacing it.
    """
    profile = safety.pregnancy_profile(booking.client)
    after_birth = bool(
        profile
        and profile.birth_date
        and booking.slot.therapist.clinic.local_date(booking.starts_at) >= profile.birth_date
    )
    return [
        rule
        for rule in engine.intake_questions(after_birth=after_birth)
        if rule.group == engine.RIGHT_NOW
    ]


def checkin_opens_at(booking: Booking) -> dt.datetime:
    return booking.starts_at - CHECKIN_OPENS_BEFORE


def checkin_is_open(booking: Booking, *, now: dt.datetime | None = None) -> bool:
    """From 48 hours before the session until it ends, while it is booked."""
    now = now or timezone.now()
    return booking.is_active and checkin_opens_at(booking) <= now < booking.ends_at


def open_hold(booking: Booking) -> SessionHold | None:
    return SessionHold.objects.filter(booking=booking, resolved_at__isnull=True).first()


def session_may_start(booking: Booking) -> bool:
    """False while a red flag from her check-in waits for a therapist to record the outcome.

    Whatever marks a session started or attended asks this first.
    """
    return not SessionHold.objects.filter(booking=booking, resolved_at__isnull=True).exists()


def hold_reason(booking: Booking) -> str | None:
    """Why the session cannot start, for booking's start checks (attendance, notes)."""
    return None if session_may_start(booking) else str(SessionOnHold())


@dataclass
class CheckInResult:
    checkin: CheckIn
    hold: SessionHold | None
    hold_placed: bool


def _check_answers(*, questions, red_flags, pain, pain_areas, sleep_effect, walking_effect) -> None:
    known = {rule.condition for rule in questions}
    unknown = sorted(set(red_flags) - known)
    if unknown:
        raise ValueError(f"Not a check-in question: {', '.join(unknown)}.")
    if not 0 <= pain <= 10:
        raise CareError("Pain is a number from 0 to 10.")
    if set(pain_areas) - set(PainArea.values):
        raise ValueError("Unknown pain area.")
    if sleep_effect not in Effect.values or walking_effect not in Effect.values:
        raise ValueError("Unknown effect on sleep or walking.")


def hold_conditions(booking: Booking) -> list[str]:
    """The red flags of the session's open hold: they count for that session only."""
    hold = open_hold(booking)
    return hold.red_flags if hold else []


def write_flags_with_hold(*, booking: Booking) -> None:
    """The session's flags by the normal engine, with its open hold's red-flag answers."""
    flags.write_flags(booking=booking, extra_conditions=flags.session_conditions(booking))


def refresh_flags(*, booking: Booking) -> None:
    """Re-evaluate this session and her later ones: her answers may have changed since."""
    if safety.pregnancy_profile(booking.client) is None:
        return
    later = Booking.objects.filter(
        client=booking.client, status=Booking.Status.BOOKED, starts_at__gt=booking.starts_at
    ).select_related("slot__therapist__clinic", "client")
    for session in [booking, *later]:
        write_flags_with_hold(booking=session)


def _place_hold(
    *, booking: Booking, checkin: CheckIn, red_flags: list[str]
) -> tuple[SessionHold, bool]:
    """The session's open hold, placed now if there was none (and the staff told once)."""
    hold = (
        SessionHold.objects.select_for_update()
        .filter(booking=booking, resolved_at__isnull=True)
        .first()
    )
    if hold is not None:
        return hold, False
    hold = SessionHold.objects.create(booking=booking, checkin=checkin, red_flags=red_flags)
    messages.notify_hold_to_therapist(hold)
    messages.notify_hold_to_clinic(hold)
    return hold, True


@transaction.atomic
def record_checkin(
    *,
    booking: Booking,
    by: User,
    red_flags: list[str],
    anything_new: bool,
    pain: int,
    pain_areas: list[str],
    sleep_effect: str,
    walking_effect: str,
) -> CheckInResult:
    """Store her answers for ``booking``; any red flag puts the session on hold at once."""
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("client", "slot__therapist__clinic", "slot__therapist__user")
        .get(pk=booking.pk)
    )
    if not checkin_is_open(booking):
        raise CheckInClosed(
            "The check-in opens 48 hours before the session and closes when it ends."
        )
    questions = checkin_questions(booking)
    _check_answers(
        questions=questions,
        red_flags=red_flags,
        pain=pain,
        pain_areas=pain_areas,
        sleep_effect=sleep_effect,
        walking_effect=walking_effect,
    )
    ordered = [rule.condition for rule in questions if rule.condition in red_flags]
    checkin, _ = CheckIn.objects.update_or_create(
        booking=booking,
        defaults={
            "client": booking.client,
            "red_flags": ordered,
            "anything_new": anything_new,
            "pain": pain,
            "pain_areas": [area for area in PainArea.values if area in pain_areas],
            "sleep_effect": sleep_effect,
            "walking_effect": walking_effect,
            "recorded_by": by,
        },
    )
    hold, placed = None, False
    if ordered:
        hold, placed = _place_hold(booking=booking, checkin=checkin, red_flags=ordered)
    refresh_flags(booking=booking)
    clinic = booking.slot.therapist.clinic
    safety.log_audit(
        actor=by,
        client=booking.client,
        clinic=clinic,
        action=AuditEntry.Action.CHECKED_IN,
        detail=f"Session on {clinic.local_date(booking.starts_at):%Y-%m-%d}",
    )
    return CheckInResult(checkin=checkin, hold=hold or open_hold(booking), hold_placed=placed)
