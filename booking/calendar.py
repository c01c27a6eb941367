"""Calendar files (.ics) and add-to-calendar links for her sessions, so they land in the
calendar on her phone and follow every move and cancellation.

A session keeps one UID for its whole life, moves included, and a SEQUENCE that rises with
every change: a calendar that receives a newer copy updates (or, with METHOD:CANCEL, removes)
the event it already has rather than adding a second one.

The file is written out line by line (RFC 5545: escaped text, parameters quoted where they
must be, lines folded at 75 octets), in the order and form a general iCalendar library gives
these properties; every reminder carries one, and building it through such a library cost
more than the rest of the e-mail. The tests read what is written back with that library.
"""

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from common.urls import url_for_each

PRODID = "-//Bolster//Prenatal massage bookings//EN"
# Calendar methods (RFC 5546): an e-mail that books or moves a session asks her calendar to
# add or update it; one that cancels asks it to remove it; a download just publishes.
PUBLISH = "PUBLISH"
REQUEST = "REQUEST"
CANCEL = "CANCEL"
ALARM_BEFORE = dt.timedelta(hours=2)

# A content line is at most 75 octets; a longer one goes on after a line break and a space.
LINE_OCTETS = 75


def event_uid(booking) -> str:
    """The session's UID: the first booking's, carried over every move."""
    return booking.calendar_uid or f"booking-{booking.pk}@bolster"


def _title(booking) -> str:
    return f"Prenatal massage with {booking.slot.therapist.display_name}"


def _details(booking) -> str:
    clinic = booking.slot.therapist.clinic
    url = settings.SITE_URL + url_for_each("booking:booking")(booking.pk)
    return (
        f"{clinic.name}\n{clinic.address}\nPhone: {clinic.phone}\n\n"
        f"Wear something comfortable and bring a bottle of water.\n\nYour session: {url}"
    )


def _location(booking) -> str:
    return ", ".join(booking.slot.therapist.clinic.address.splitlines())


# --- Writing the file ----------------------------------------------------------------------------


def _text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, every line break as ``\\n``."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _common_name(name: str) -> str:
    """A CN parameter: ``^``, line breaks and double quotes escaped (RFC 6868), quoted when
    it holds a separator, or (as calendar libraries do for names) a space or an apostrophe."""
    quote = " " in name or "'" in name
    name = (
        name.replace("^", "^^")
        .replace("\r\n", "^n")
        .replace("\n", "^n")
        .replace("\r", "^n")
        .replace('"', "^'")
    )
    if quote or any(separator in name for separator in ",;:\u2019"):
        return f'"{name}"'
    return name


def _address(email: str) -> str:
    if "\r" in email or "\n" in email:
        raise ValueError(f"An e-mail address may not hold a line break: {email!r}")
    return f"mailto:{email}"


def _utc_stamp(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"


def _before(span: dt.timedelta) -> str:
    """How long before the start an alarm rings, as a negative duration: ``-PT2H``."""
    hours, seconds = divmod(int(span.total_seconds()), 3600)
    minutes = seconds // 60
    return f"-PT{f'{hours}H' if hours else ''}{f'{minutes}M' if minutes else ''}"


def _fold(line: str) -> str:
    """Break ``line`` before any character that would take it to 75 octets, never right
    after a backslash or caret (so an escape stays whole on one line)."""
    if len(line) < LINE_OCTETS and line.isascii():
        return line
    if line.isascii():
        return "\r\n ".join(_ascii_pieces(line))
    parts, current, octets = [], [], 0
    for char in line:
        size = len(char.encode())
        if current and octets + size >= LINE_OCTETS:
            carried = current.pop() if len(current) > 1 and current[-1] in "\\^" else None
            parts.append("".join(current))
            current = [carried] if carried else []
            octets = len(carried.encode()) if carried else 0
        current.append(char)
        octets += size
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _ascii_pieces(line: str) -> list[str]:
    """``_fold``'s pieces of an ASCII line (one octet a character), cut by position."""
    pieces, start = [], 0
    while len(line) - start >= LINE_OCTETS:
        end = start + LINE_OCTETS - 1
        if end - start > 1 and line[end - 1] in "\\^":
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return pieces


def _event_lines(booking, *, cancelled: bool, stamp: str) -> list[str]:
    """One VEVENT, properties in the order calendar libraries write them: the usual first
    ones, then the rest alphabetically (the alarm's too)."""
    clinic = booking.slot.therapist.clinic
    url = settings.SITE_URL + url_for_each("booking:booking")(booking.pk)
    cancelled = cancelled or not booking.is_active
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(_title(booking))}",
        f"DTSTART:{_utc_stamp(booking.starts_at)}",
        f"DTEND:{_utc_stamp(booking.ends_at)}",
        f"DTSTAMP:{stamp}",
        f"UID:{_text(event_uid(booking))}",
        f"SEQUENCE:{booking.calendar_sequence}",
        f"ATTENDEE;PARTSTAT=ACCEPTED;RSVP=FALSE:{_address(booking.client.email)}",
        f"DESCRIPTION:{_text(_details(booking))}",
        f"LOCATION:{_text(_location(booking))}",
        f"ORGANIZER;CN={_common_name(clinic.name)}:{_address(clinic.email)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"URL:{url}",
    ]
    if not cancelled:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_text(f'{_title(booking)} at {clinic.name}')}",
            f"TRIGGER:{_before(ALARM_BEFORE)}",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


def ics_for_bookings(bookings: Iterable, *, method: str = PUBLISH) -> bytes:
    """One VCALENDAR holding an event per booking (cancelled ones marked CANCELLED)."""
    stamp = _utc_stamp(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_text(PRODID)}",
        f"METHOD:{_text(method)}",
        "X-WR-CALNAME:Bolster",
    ]
    for booking in bookings:
        lines += _event_lines(booking, cancelled=method == CANCEL, stamp=stamp)
    lines.append("END:VCALENDAR")
    return "".join(f"{_fold(line)}\r\n" for line in lines).encode()


def add_to_calendar_links(booking) -> dict[str, str]:
    """Links that open a new event in Google or Outlook; Apple takes the .ics file."""
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": _title(booking),
            "dates": f"{_utc_stamp(booking.starts_at)}/{_utc_stamp(booking.ends_at)}",
            "details": _details(booking),
            "location": _location(booking),
        }
    )
    outlook = "https://outlook.live.com/calendar/0/action/compose?" + urlencode(
        {
            "subject": _title(booking),
            "startdt": booking.starts_at.astimezone(dt.UTC).isoformat(),
            "enddt": booking.ends_at.astimezone(dt.UTC).isoformat(),
            "body": _details(booking),
            "location": _location(booking),
            "path": "/calendar/action/compose",
            "rru": "addevent",
        }
    )
    apple = reverse("booking:booking_ics", kwargs={"pk": booking.pk})
    return {"google": google, "outlook": outlook, "apple": apple}
