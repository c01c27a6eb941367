"""The therapist's treatment note: signed when saved, amended by new versions, never edited."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from booking.models import Booking
from care.errors import NoteError, SessionOnHold
from care.models import Area, Position, TreatmentNote
from care.services.checkins import session_may_start
from safety import services as safety
from safety.models import AuditEntry, SafetyFlag, Severity


@dataclass(frozen=True)
class AdaptCheck:
    """The therapist's answer for one ``adapt`` flag: followed, or why not."""

    code: str
    title: str
    followed: bool
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "followed": self.followed,
            "reason": self.reason.strip(),
        }


@dataclass(frozen=True)
class NoteContent:
    positions: list[str]
    bolsters: str
    areas_worked: list[str]
    techniques: str
    areas_avoided: str
    pain_after: int
    free_text: str
    adapt_checks: list[AdaptCheck]


def adapt_flags(booking: Booking) -> list[SafetyFlag]:
    """The session's open ``adapt`` flags: one checkbox each on the note."""
    return list(
        booking.safety_flags.filter(closed_at__isnull=True, severity=Severity.ADAPT).order_by(
            "code"
        )
    )


def latest_note(booking: Booking) -> TreatmentNote | None:
    return booking.treatment_notes.order_by("-version").first()


def _check(content: NoteContent, *, expected_codes: list[str]) -> None:
    errors: dict[str | None, str] = {}
    if not content.positions or set(content.positions) - set(Position.values):
        errors["positions"] = "Choose the position(s) used."
    if set(content.areas_worked) - set(Area.values):
        errors["areas_worked"] = "Choose areas from the list."
    if not content.techniques.strip():
        errors["techniques"] = "Say which techniques and pressure you used."
    if not 0 <= content.pain_after <= 10:
        errors["pain_after"] = "Pain is a number from 0 to 10."
    given = {check.code: check for check in content.adapt_checks}
    if sorted(given) != sorted(expected_codes):
        errors[None] = "Answer for every adapt flag of the session."
    for check in content.adapt_checks:
        if not check.followed and not check.reason.strip():
            errors[f"reason_{check.code}"] = (
                f"“{check.title}” is not ticked: say why it was not followed."
            )
    if errors:
        raise NoteError("The note cannot be signed yet: " + " ".join(errors.values()), errors)


def _write(
    *, booking: Booking, by: User, content: NoteContent, version: int, reason: str = ""
) -> TreatmentNote:
    return TreatmentNote.objects.create(
        booking=booking,
        client=booking.client,
        clinic=booking.slot.therapist.clinic,
        version=version,
        positions=[code for code in Position.values if code in content.positions],
        bolsters=content.bolsters.strip(),
        areas_worked=[code for code in Area.values if code in content.areas_worked],
        techniques=content.techniques.strip(),
        areas_avoided=content.areas_avoided.strip(),
        pain_after=content.pain_after,
        free_text=content.free_text.strip(),
        adapt_checks=[check.as_dict() for check in content.adapt_checks],
        amendment_reason=reason.strip(),
        signed_by=by,
        signed_by_label=(by.get_full_name() or by.email)[:200],
        signed_at=timezone.now(),
    )


def _locked(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("client", "slot__therapist__clinic")
        .get(pk=booking.pk)
    )


def _audit(booking: Booking, *, by: User, action: str, version: int) -> None:
    clinic = booking.slot.therapist.clinic
    safety.log_audit(
        actor=by,
        client=booking.client,
        clinic=clinic,
        action=action,
        detail=f"Session on {clinic.local_date(booking.starts_at):%Y-%m-%d}, version {version}",
    )


@transaction.atomic
def sign_note(*, booking: Booking, by: User, content: NoteContent) -> TreatmentNote:
    """The first note on a session that has started; signed by ``by`` as it is saved."""
    booking = _locked(booking)
    if booking.treatment_notes.exists():
        raise NoteError("This session already has a signed note. Write an amendment instead.")
    if not booking.is_active:
        raise NoteError("This session was cancelled or moved; there is nothing to note.")
    if booking.starts_at > timezone.now():
        raise NoteError("The note can be written once the session has started.")
    if not session_may_start(booking):
        raise SessionOnHold()
    _check(content, expected_codes=[flag.code for flag in adapt_flags(booking)])
    note = _write(booking=booking, by=by, content=content, version=1)
    _audit(booking, by=by, action=AuditEntry.Action.SIGNED_NOTE, version=1)
    return note


@transaction.atomic
def amend_note(*, booking: Booking, by: User, content: NoteContent, reason: str) -> TreatmentNote:
    """A new signed version; the original and every earlier version stay as they were."""
    booking = _locked(booking)
    current = latest_note(booking)
    if current is None:
        raise NoteError("There is no signed note to amend yet.")
    if not reason.strip():
        raise NoteError(
            "Say why you are amending the note.", {"amendment_reason": "Say why you amend it."}
        )
    # The flags answered at signing stay the checklist, even if the rules changed since.
    _check(content, expected_codes=[check["code"] for check in current.adapt_checks])
    version = (booking.treatment_notes.aggregate(Max("version"))["version__max"] or 0) + 1
    note = _write(booking=booking, by=by, content=content, version=version, reason=reason)
    _audit(booking, by=by, action=AuditEntry.Action.AMENDED_NOTE, version=version)
    return note
