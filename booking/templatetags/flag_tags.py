"""Flag summaries for the booking pages and the therapist's day list: one group per severity,
her own notes, and whether a recorded clearance covers each clearance flag."""

from dataclasses import dataclass, field

from django import template

from booking.services.flags import session_date
from booking.session_rows import ClientNote, client_notes_for, is_on_hold, open_by_severity
from safety import engine
from safety.models import SafetyFlag, Severity

register = template.Library()


@register.filter
def on_hold(booking) -> bool:
    """A booked session that a `block` flag stops (its open flags prefetched as ``open_flags``)."""
    return is_on_hold(booking)


@dataclass
class SeverityGroup:
    severity: str
    words: str
    titles: list[str] = field(default_factory=list)


@register.simple_tag
def flag_groups(flags) -> list[SeverityGroup]:
    """One group per severity present, most serious first, naming each flag's title."""
    current = open_by_severity(flags)
    cleared = _cleared_codes(current)
    groups: dict[tuple[str, bool], SeverityGroup] = {}
    for flag in current:
        is_cleared = flag.code in cleared
        words = "Clearance received" if is_cleared else engine.SEVERITY_WORDS[flag.severity]
        group = groups.setdefault((flag.severity, is_cleared), SeverityGroup(flag.severity, words))
        group.titles.append(flag.title)
    return list(groups.values())


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
    current = open_by_severity(flags)
    return client_notes_for(current, cleared=_cleared_codes(current))
