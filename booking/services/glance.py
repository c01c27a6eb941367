"""The therapist's day at a glance: the two or three things that change her hands in a session.

Derived from what the day list already loads (open flags, her clearances, her latest answers),
so a page of sessions costs no query per session. The full instructions stay on the session's
review, one tap away.
"""

from dataclasses import dataclass

from accounts.models import User
from booking.models import Booking
from booking.services.flags import is_cleared_kind, mark_cleared_codes
from safety import engine
from safety.models import AuditEntry, Severity
from safety.services import log_audit_many

MAX_CHIPS = 3
NOTE_CHARS = 40

# Tones the page colours: a stop, a clearance still missing, a clearance received, a change.
STOP = "hold"
MISSING = "missing"
RECEIVED = "ok"
CHANGE = "adapt"


@dataclass(frozen=True)
class Chip:
    label: str
    tone: str
    quotes_her_note: bool = False


@dataclass(frozen=True)
class Glance:
    chips: list[Chip]
    more: int
    # Whether a chip quotes her own words from her health answers (an audited view of them).
    quotes_her_notes: bool = False


def _short(note: str) -> str:
    note = " ".join(note.split())
    return note if len(note) <= NOTE_CHARS else note[: NOTE_CHARS - 1].rstrip(" ,;.") + "…"


def _latest_notes(booking: Booking) -> dict[str, str]:
    """Her notes by condition code, from the answers prefetched as ``client.latest_answers``."""
    answers = getattr(booking.client, "latest_answers", None) or []
    return answers[0].notes if answers else {}


def _change_chip(flag, notes: dict[str, str]) -> tuple[str, Chip]:
    """The topic and chip of one flag that changes the treatment; her own words where she
    gave some about the condition ("Sciatica: left, worse at night")."""
    topic, label = engine.chip_for(flag.code, flag.title)
    rule = engine.RULES_BY_CODE.get(flag.code)
    note = notes.get(getattr(rule, "condition", ""), "").strip()
    quotes = bool(note) and flag.severity in (Severity.INFO, Severity.ADAPT)
    if quotes:
        label = f"{rule.title}: {_short(note)}"
    tone = STOP if flag.severity == Severity.BLOCK else CHANGE
    return topic, Chip(label, tone, quotes_her_note=quotes)


def _tier(flag) -> int:
    """Stops first, then clearances; then what is particular to her (her answers, even an
    information rule like sciatica), before the stage of pregnancy's changes and notes."""
    rank = engine.SEVERITY_RANK[flag.severity]
    if rank >= engine.SEVERITY_RANK[Severity.CLEARANCE]:
        return -rank
    from_her_answers = isinstance(engine.RULES_BY_CODE.get(flag.code), engine.ConditionRule)
    return 0 if from_her_answers else 1 + (flag.severity == Severity.INFO)


def _in_glance_order(flags) -> list:
    return sorted(
        flags,
        key=lambda flag: (_tier(flag), engine.RULE_ORDER.get(flag.code, len(engine.RULE_ORDER))),
    )


def glance(booking: Booking) -> Glance:
    """Up to three chips for one session, and how many more things its review holds.

    Needs ``open_flags`` and ``cleared_codes`` on the booking (``attach_glances`` sets both up).
    """
    flags = _in_glance_order(booking.open_flags)
    notes = _latest_notes(booking)
    chips: list[Chip] = []
    topics: set[str] = set()
    clearance_flags = [flag for flag in flags if is_cleared_kind(flag)]
    for flag in flags:
        if clearance_flags and flag is clearance_flags[0]:
            chips.append(_clearance_chip(booking, clearance_flags))
        topic, chip = _change_chip(flag, notes)
        if topic not in topics and chip.label not in {c.label for c in chips}:
            topics.add(topic)
            chips.append(chip)
    shown = chips[:MAX_CHIPS]
    return Glance(
        chips=shown,
        more=max(0, len(chips) - MAX_CHIPS),
        quotes_her_notes=any(chip.quotes_her_note for chip in shown),
    )


def _clearance_chip(booking: Booking, clearance_flags) -> Chip:
    if all(flag.code in booking.cleared_codes for flag in clearance_flags):
        return Chip("Clearance ✓", RECEIVED)
    return Chip("Clearance needed", MISSING)


def attach_glances(bookings: list[Booking], *, viewer: User) -> None:
    """Set ``glance`` on each session of a day list (no query when her clearances are
    prefetched, as ``booking.queries.therapist_sessions`` does).

    Her own words from her health answers are part of them, so a list that quotes them is
    written to the audit trail: one entry per client quoted, in one query.
    """
    mark_cleared_codes(bookings)
    quoted = {}
    for booking in bookings:
        booking.glance = glance(booking)
        if booking.glance.quotes_her_notes:
            quoted.setdefault(booking.client_id, booking)
    if quoted:
        log_audit_many(
            actor=viewer,
            entries=[
                (booking.client, booking.slot.therapist.clinic) for booking in quoted.values()
            ],
            action=AuditEntry.Action.VIEWED_INTAKE,
            detail="Her notes on the day's session list",
        )
