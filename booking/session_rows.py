"""Her sessions as "My bookings" lists them: each row's words, links and state worked out here,
once, so the page's template only prints them (a per-row include with its own tags and
``{% url %}`` calls cost most of the page's time)."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from booking.models import Booking, Plan, PlannedSession
from common.urls import url_for_each
from safety import engine
from safety.models import Severity


@dataclass
class ClientNote:
    """One of her friendly notes for a session; "clearance needed" until one covers it."""

    severity: str
    words: str
    message: str
    needs_clearance: bool = False


def open_by_severity(flags: Iterable) -> list:
    """Open flags (or findings), most serious first; closed flags are history only."""
    current = [flag for flag in flags or () if getattr(flag, "closed_at", None) is None]
    return sorted(current, key=lambda flag: -engine.SEVERITY_RANK[flag.severity])


def client_notes_for(flags: Iterable, *, cleared: set[str]) -> list[ClientNote]:
    """Her notes for one session's open ``flags``, each message once; ``cleared`` are the
    clearance codes a recorded clearance covers on its date."""
    notes, seen = [], set()
    for flag in open_by_severity(flags):
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


NOTHING_TO_PREPARE = mark_safe("<p>Nothing special to prepare for this session.</p>")
CLEARANCE_RECEIVED = mark_safe(
    ' <span class="small text-success">Clearance received — thank you.</span>'
)


def notes_html(notes: list[ClientNote], *, documents_url: str) -> SafeString:
    """Her notes for one session as the list prints them (a plan's sessions mostly share
    theirs, so ``upcoming_rows`` builds each set once)."""
    if not notes:
        return NOTHING_TO_PREPARE
    items = []
    for note in notes:
        badge = ""
        if note.severity == Severity.BLOCK or note.needs_clearance:
            badge = format_html(
                '<span class="severity severity-{}">{}</span> ', note.severity, note.words
            )
        after = ""
        if note.needs_clearance:
            after = format_html(' <a href="{}">Send your letter</a>', documents_url)
        elif note.severity == Severity.CLEARANCE:
            after = CLEARANCE_RECEIVED
        items.append(format_html('<li class="mb-2">{}{}{}</li>', badge, note.message, after))
    return format_html('<ul class="list-unstyled">{}</ul>', mark_safe("".join(items)))


@dataclass
class FlagLine:
    """A flag she must act on or know of, as a line under the session: a stop, or a
    clearance (received, or still needed)."""

    kind: str
    words: str
    title: str


def flag_lines_html(lines: list[FlagLine], *, documents_url: str) -> SafeString:
    """The lines under a session, as the list prints them."""
    return mark_safe(
        "".join(
            format_html(
                '<p class="mb-1"><span class="severity severity-{}">{}</span> {}{}</p>',
                line.kind,
                line.words,
                line.title,
                format_html(' <a href="{}">Send your note</a>', documents_url)
                if line.kind == "clearance"
                else "",
            )
            for line in lines
        )
    )


def flag_lines(booking: Booking) -> list[FlagLine]:
    lines = []
    for flag in booking.open_flags:
        if flag.severity == Severity.BLOCK:
            lines.append(FlagLine("block", flag.get_severity_display(), flag.title))
        elif flag.severity == Severity.CLEARANCE:
            if flag.code in booking.cleared_codes:
                lines.append(FlagLine("cleared", "Clearance received", flag.title))
            else:
                lines.append(FlagLine("clearance", "Clearance needed", flag.title))
    return lines


@dataclass
class SessionRow:
    """One of her sessions as the list shows it."""

    booking: Booking
    url: str
    when: str
    zone: str
    with_whom: str
    status: str
    status_words: str
    status_class: str
    on_hold: bool
    in_plan: bool
    flag_count: int = 0
    # What only upcoming sessions show: her flags and notes, and what she can do.
    flag_lines: list[FlagLine] = field(default_factory=list)
    notes: list[ClientNote] = field(default_factory=list)
    flag_lines_html: SafeString = NOTHING_TO_PREPARE
    notes_html: SafeString = NOTHING_TO_PREPARE
    can_change: bool = False
    move_url: str = ""
    cancel_url: str = ""
    day: str = ""
    clinic_phone: str = ""
    clinic_tel: str = ""


def is_on_hold(booking: Booking) -> bool:
    """A booked session that a `block` flag stops (its open flags prefetched)."""
    return booking.is_active and any(
        flag.severity == Severity.BLOCK for flag in getattr(booking, "open_flags", ())
    )


def day_and_time(local: dt.datetime) -> str:
    """The date filter's "D j M Y, H:i" (Wed 2 Dec 2026, 10:00), formatted directly: a list of
    sessions formats a date or two a row, and the filter cost more than the rest of the row."""
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def session_row(booking: Booking, *, detail_url: Callable[[int], str]) -> SessionRow:
    therapist = booking.slot.therapist
    clinic = therapist.clinic
    starts_at = timezone.localtime(booking.starts_at, clinic.tz)
    on_hold = is_on_hold(booking)
    return SessionRow(
        booking=booking,
        url=detail_url(booking.pk),
        when=day_and_time(starts_at),
        zone=starts_at.tzname(),
        with_whom=f"{therapist.display_name} · {clinic.name}",
        status=booking.status,
        status_words="On hold" if on_hold else booking.get_status_display(),
        status_class="danger" if on_hold else "success" if booking.is_active else "secondary",
        on_hold=on_hold,
        in_plan=booking.plan_id is not None,
    )


def upcoming_rows(bookings: list[Booking], *, documents_url: str) -> list[SessionRow]:
    """Her upcoming sessions, with flags, notes and what she may change: each booking carries
    ``open_flags``, ``cleared_codes`` and ``can_change``. Her letters go to ``documents_url``.
    """
    detail_url = url_for_each("booking:booking")
    move_url = url_for_each("booking:move")
    cancel_url = url_for_each("booking:cancel")
    # The sessions of a plan carry the same flags: each distinct set is printed once.
    printed_lines: dict[tuple, SafeString] = {}
    printed_notes: dict[tuple, SafeString] = {}
    rows = []
    for booking in bookings:
        row = session_row(booking, detail_url=detail_url)
        clinic = booking.slot.therapist.clinic
        row.flag_count = len(booking.open_flags)
        row.flag_lines = flag_lines(booking)
        row.notes = client_notes_for(booking.open_flags, cleared=booking.cleared_codes)
        lines_key = tuple((line.kind, line.words, line.title) for line in row.flag_lines)
        if lines_key not in printed_lines:
            printed_lines[lines_key] = flag_lines_html(row.flag_lines, documents_url=documents_url)
        row.flag_lines_html = printed_lines[lines_key]
        notes_key = tuple(
            (note.severity, note.words, note.message, note.needs_clearance) for note in row.notes
        )
        if notes_key not in printed_notes:
            printed_notes[notes_key] = notes_html(row.notes, documents_url=documents_url)
        row.notes_html = printed_notes[notes_key]
        row.can_change = booking.can_change
        row.move_url = move_url(booking.pk)
        row.cancel_url = cancel_url(booking.pk)
        local = booking.starts_at.astimezone(clinic.tz)
        row.day = f"{local.day} {local:%b}"
        row.clinic_phone = clinic.phone
        row.clinic_tel = clinic.phone.replace(" ", "")
        rows.append(row)
    return rows


def past_rows(bookings: list[Booking]) -> list[SessionRow]:
    detail_url = url_for_each("booking:booking")
    return [session_row(booking, detail_url=detail_url) for booking in bookings]


@dataclass
class ActivePlanRow:
    therapist: str
    cancel_url: str


def active_plan_rows(upcoming: list[Booking]) -> list[ActivePlanRow]:
    """Her active plans among her upcoming sessions (annotated ``plan_status`` and
    ``plan_therapist_name`` by ``booking.queries.session_list``), each once."""
    cancel_url = url_for_each("booking:cancel_plan")
    names = {
        booking.plan_id: booking.plan_therapist_name
        for booking in upcoming
        if booking.plan_id is not None and booking.plan_status == Plan.Status.ACTIVE
    }
    return [ActivePlanRow(therapist=name, cancel_url=cancel_url(pk)) for pk, name in names.items()]


@dataclass
class PlannedRow:
    """A date of her plan past the booking horizon: when it books, or why it could not."""

    status: str
    when: str
    therapist: str
    books_on: str
    reason: str
    plan_url: str


def planned_rows(planned: list[PlannedSession]) -> list[PlannedRow]:
    plan_url = url_for_each("booking:plan_detail")
    rows = []
    for session in planned:
        clinic = session.plan.therapist.clinic
        books_on: dt.date | None = getattr(session, "books_on", None)
        rows.append(
            PlannedRow(
                status=session.status,
                when=day_and_time(session.starts_at.astimezone(clinic.tz)),
                therapist=session.plan.therapist.display_name,
                books_on=f"{books_on:%a} {books_on.day} {books_on:%b}" if books_on else "",
                reason=session.reason,
                plan_url=plan_url(session.plan_id),
            )
        )
    return rows
