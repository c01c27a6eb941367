"""Calendar files (.ics) and add-to-calendar links for her sessions, so they land in the
calendar on her phone and follow every move and cancellation.

A session keeps one UID for its whole life, moves included, and a SEQUENCE that rises with
every change: a calendar that receives a newer copy updates (or, with METHOD:CANCEL, removes)
the event it already has rather than adding a second one.
"""

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

PRODID = "-//Bolster//Prenatal massage bookings//EN"
# Calendar methods (RFC 5546): an e-mail that books or moves a session asks her calendar to
# add or update it; one that cancels asks it to remove it; a download just publishes.
PUBLISH = "PUBLISH"
REQUEST = "REQUEST"
CANCEL = "CANCEL"
ALARM_BEFORE = dt.timedelta(hours=2)


def event_uid(booking) -> str:
    """The session's UID: the first booking's, carried over every move."""
    return booking.calendar_uid or f"booking-{booking.pk}@bolster"


def _title(booking) -> str:
    return f"Prenatal massage with {booking.slot.therapist.display_name}"


def _details(booking) -> str:
    clinic = booking.slot.therapist.clinic
    url = settings.SITE_URL + reverse("booking:booking", kwargs={"pk": booking.pk})
    return (
        f"{clinic.name}\n{clinic.address}\nPhone: {clinic.phone}\n\n"
        f"Wear something comfortable and bring a bottle of water.\n\nYour session: {url}"
    )


def _location(booking) -> str:
    return ", ".join(booking.slot.therapist.clinic.address.splitlines())


def booking_event(booking, *, cancelled: bool = False) -> Event:
    clinic = booking.slot.therapist.clinic
    event = Event()
    event.add("uid", event_uid(booking))
    event.add("sequence", booking.calendar_sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    event.add("summary", _title(booking))
    event.add("location", vText(_location(booking)))
    event.add("description", _details(booking))
    event.add("url", settings.SITE_URL + reverse("booking:booking", kwargs={"pk": booking.pk}))
    organizer = vCalAddress(f"mailto:{clinic.email}")
    organizer.params["cn"] = vText(clinic.name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.client.email}")
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    if cancelled or not booking.is_active:
        event.add("status", "CANCELLED")
        return event
    event.add("status", "CONFIRMED")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"{_title(booking)} at {clinic.name}")
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)
    return event


def ics_for_bookings(bookings: Iterable, *, method: str = PUBLISH) -> bytes:
    """One VCALENDAR holding an event per booking (cancelled ones marked CANCELLED)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("x-wr-calname", "Bolster")
    for booking in bookings:
        calendar.add_component(booking_event(booking, cancelled=method == CANCEL))
    return calendar.to_ical()


def _utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


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
