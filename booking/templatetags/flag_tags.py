"""Flag summaries for the booking pages and the therapist's day list: one group per severity,
her own notes, and whether a recorded clearance covers each clearance flag."""

from dataclasses import dataclass, field

from django import template

from booking.services.flags import session_date
from safety import engine
from safety.models import SafetyFlag, Severity

register = template.Library()


def _open(flags) -> list:
    """Open flags (or findings), most serious first; closed flags are history only."""
    current = [flag for flag in flags or () if getattr(flag, "closed_at", None) is None]
    return sorted(current, key=lambda flag: -engine.SEVERITY_RANK[flag.severity])


@register.filter
def on_hold(booking) -> bool:
    """A booked session that a `block` flag stops (its open flags prefetched as ``open_flags``)."""
    return booking.is_active and any(
        flag.severity == Severity.BLOCK for flag in getattr(booking, "open_flags", ())
    )


@dataclass
class SeverityGroup:
    severity: str
    words: str
    titles: list[str] = field(default_factory=list)


@register.simple_tag
def flag_groups(flags) -> list[SeverityGroup]:
    """One group per severity present, most serious first, naming each flag's title."""
    current = _open(flags)
    cleared = _cleared_codes(current)
    groups: dict[tuple[str, bool], SeverityGroup] = {}
    for flag in current:
        is_cleared = flag.code in cleared
        words = "Clearance received" if is_cleared else engine.SEVERITY_WORDS[flag.severity]
        group = groups.setdefault((flag.severity, is_cleared), SeverityGroup(flag.severity, words))
        group.titles.append(flag.title)
    return list(groups.values())


@dataclass
class ClientNote:
    severity: str
    words: str
    message: str
    needs_clearance: bool = False


def _cleared_codes(flags: list) -> set[str]:
    """Clearance flags covered by a recorded clearance on their session's date.

    Reads her clearances through ``booking.client.clearances``, which the pages' queries
    prefetch (``booking.queries.CLEARANCES``), so a page of sessions costs one query.
    """
    cleared = set()
    for flag in flags:
        if isinstance(flag, SafetyFlag) and flag.severity == Severity.CLEARANCE:
            on = session_date(flag.booking)
            if any(
                clearance.code == flag.code and clearance.covers(on)
                for clearance in flag.booking.client.clearances.all()
            ):
                cleared.add(flag.code)
    return cleared


@register.simple_tag
def client_notes(flags) -> list[ClientNote]:
    """Her friendly notes for one session; "clearance needed" until a clearance is recorded."""
    current = _open(flags)
    cleared = _cleared_codes(current)
    notes, seen = [], set()
    for flag in current:
        if not flag.client_message or flag.client_message in seen:
            continue
        seen.add(flag.client_message)
        notes.append(
            ClientNote(
                severity=flag.severity,
                words=engine.SEVERITY_WORDS[flag.severity],
                message=flag.client_message,
                needs_clearance=flag.severity == Severity.CLEARANCE and flag.code not in cleared,
            )
        )
    return notes
