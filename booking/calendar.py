"""Calendar files (.ics) for her sessions, so they land in the calendar on her phone."""

from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar, Event, vText

from booking.models import Booking

PRODID = "-//Bolster//Prenatal massage bookings//EN"


def event_uid(booking: Booking) -> str:
    # Stable per booking so a re-import updates the event instead of duplicating it.
    return f"booking-{booking.pk}@bolster"


def booking_event(booking: Booking) -> Event:
    therapist = booking.slot.therapist
    clinic = therapist.clinic
    event = Event()
    event.add("uid", event_uid(booking))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    event.add("summary", f"Prenatal massage with {therapist.display_name}")
    event.add("location", vText(", ".join(clinic.address.splitlines())))
    event.add(
        "description",
        f"{clinic.name}\n{clinic.address}\nPhone: {clinic.phone}\n\n"
        "Wear something comfortable and bring a bottle of water.",
    )
    event.add("status", "CONFIRMED" if booking.is_active else "CANCELLED")
    # Each change (move, cancel) must win over the copy already in her calendar.
    event.add("sequence", int(booking.updated_at.timestamp()) if booking.updated_at else 0)
    return event


def ics_for_bookings(bookings: Iterable[Booking]) -> bytes:
    """One VCALENDAR holding an event per booking (cancelled ones marked CANCELLED)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Bolster")
    for booking in bookings:
        calendar.add_component(booking_event(booking))
    return calendar.to_ical()
