"""Her calendar follows every change: one UID per session, a rising SEQUENCE, REQUEST/CANCEL,
an alarm, add-to-calendar links, and e-mails that link straight to the session. The file is
written by hand and must read exactly as a general iCalendar library writes it."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from accounts.models import User
from booking.calendar import (
    ALARM_BEFORE,
    CANCEL,
    PRODID,
    PUBLISH,
    REQUEST,
    add_to_calendar_links,
    ics_for_bookings,
)
from booking.models import Booking, Slot
from booking.services import book_session, cancel_booking, move_booking
from clinics.models import Clinic, Therapist
from tests.booking.conftest import local_today, slot_at


def calendar_of(message):
    [(_, content, mimetype)] = message.attachments
    calendar = Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return calendar, event, mimetype


@pytest.fixture
def booked(db, ready_client, therapist, mailoutbox, django_capture_on_commit_callbacks):
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_session(client=ready_client, slot=slot)
    return booking


def test_a_moved_session_updates_the_same_event_instead_of_adding_one(
    booked, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    _, first, _ = calendar_of(mailoutbox[0])
    later = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=6))
    with django_capture_on_commit_callbacks(execute=True):
        moved = move_booking(booking=booked, new_slot=later)

    calendar, event, mimetype = calendar_of(mailoutbox[1])
    assert calendar["method"] == "REQUEST" and mimetype == "text/calendar; method=REQUEST"
    assert event["uid"] == first["uid"]
    assert event["sequence"] > first["sequence"]
    assert event.decoded("dtstart") == moved.starts_at
    # The page's .ics for the new booking carries the same UID too.
    ics = Calendar.from_ical(ics_for_bookings([moved]))
    assert ics.walk("VEVENT")[0]["uid"] == first["uid"]


def test_a_cancelled_session_is_removed_from_her_calendar(
    booked, mailoutbox, django_capture_on_commit_callbacks
):
    _, first, _ = calendar_of(mailoutbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=booked, by=Booking.CancelledBy.CLIENT)

    calendar, event, mimetype = calendar_of(mailoutbox[1])
    assert calendar["method"] == "CANCEL" and mimetype == "text/calendar; method=CANCEL"
    assert event["uid"] == first["uid"]
    assert event["status"] == "CANCELLED"
    assert event["sequence"] > first["sequence"]


def test_the_event_has_an_alarm_and_the_clinic_as_organiser(booked, mailoutbox):
    _, event, _ = calendar_of(mailoutbox[0])
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == -dt.timedelta(hours=2)
    assert str(event["organizer"]) == f"mailto:{booked.slot.therapist.clinic.email}"


def test_the_booked_email_links_straight_to_the_session(booked, mailoutbox, settings):
    url = settings.SITE_URL + reverse("booking:booking", kwargs={"pk": booked.pk})
    assert url in mailoutbox[0].body


def test_add_to_google_and_outlook_links_carry_the_time_in_utc(booked):
    links = add_to_calendar_links(booked)
    start = booked.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert links["google"].startswith("https://calendar.google.com/calendar/render?")
    assert start in links["google"]
    assert links["outlook"].startswith("https://outlook.live.com/calendar/0/action/compose?")
    assert links["apple"] == reverse("booking:booking_ics", kwargs={"pk": booked.pk})


# --- The file as a general iCalendar library writes it --------------------------------------


def library_ics(bookings, *, method: str) -> bytes:
    """The same calendar built with the icalendar library: what the hand-written file must be."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("x-wr-calname", "Bolster")
    for booking in bookings:
        clinic = booking.slot.therapist.clinic
        title = f"Prenatal massage with {booking.slot.therapist.display_name}"
        url = settings.SITE_URL + reverse("booking:booking", kwargs={"pk": booking.pk})
        event = Event()
        event.add("uid", booking.calendar_uid or f"booking-{booking.pk}@bolster")
        event.add("sequence", booking.calendar_sequence)
        event.add("dtstamp", timezone.now())
        event.add("dtstart", booking.starts_at)
        event.add("dtend", booking.ends_at)
        event.add("summary", title)
        event.add("location", vText(", ".join(clinic.address.splitlines())))
        event.add(
            "description",
            f"{clinic.name}\n{clinic.address}\nPhone: {clinic.phone}\n\n"
            f"Wear something comfortable and bring a bottle of water.\n\nYour session: {url}",
        )
        event.add("url", url)
        organizer = vCalAddress(f"mailto:{clinic.email}")
        organizer.params["cn"] = vText(clinic.name)
        event.add("organizer", organizer)
        attendee = vCalAddress(f"mailto:{booking.client.email}")
        attendee.params["partstat"] = vText("ACCEPTED")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee)
        if method == CANCEL or not booking.is_active:
            event.add("status", "CANCELLED")
        else:
            event.add("status", "CONFIRMED")
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{title} at {clinic.name}")
            alarm.add("trigger", -ALARM_BEFORE)
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()


# Both files are stamped with the time they are written.
STAMPED_AT = dt.datetime(2031, 3, 26, 9, 15, 42, 123456, tzinfo=dt.UTC)


def unsaved_booking(*, pk, clinic_name, address, phone, therapist_name, client_email, **fields):
    clinic = Clinic(name=clinic_name, address=address, phone=phone, email="hi@clinic.example")
    therapist = Therapist(clinic=clinic, display_name=therapist_name)
    starts_at = dt.datetime(2031, 3, 27, 8, 15, tzinfo=dt.UTC)
    slot = Slot(therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1))
    return Booking(
        pk=pk,
        slot=slot,
        client=User(email=client_email),
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        **fields,
    )


# Words as people type them, with the characters the format escapes, quotes or folds on:
# separators, quotes of both kinds, carets, backslashes, accents and wide characters. (A
# literal backslash-N is left out: the library reads it as a line break, which it is not.)
words = st.one_of(
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]),
        max_size=120,
    ),
    # Plain ASCII with what is escaped, so escapes fall on every place a line is folded.
    st.text(alphabet="ab \\^;,:'\"", max_size=200),
).filter(lambda text: "\\N" not in text)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    clinic_name=words,
    address_lines=st.lists(words, max_size=4),
    phone=words,
    therapist_name=words,
    sequence=st.integers(min_value=0, max_value=10_000),
    cancelled=st.booleans(),
    method=st.sampled_from([PUBLISH, REQUEST, CANCEL]),
)
def test_the_file_reads_exactly_as_the_icalendar_library_writes_it(
    clinic_name, address_lines, phone, therapist_name, sequence, cancelled, method
):
    booking = unsaved_booking(
        pk=4321,
        clinic_name=clinic_name,
        address="\n".join(address_lines),
        phone=phone,
        therapist_name=therapist_name,
        client_email="maya@example.com",
        calendar_sequence=sequence,
        status=Booking.Status.CANCELLED if cancelled else Booking.Status.BOOKED,
    )

    with time_machine.travel(STAMPED_AT, tick=False):
        assert ics_for_bookings([booking], method=method) == library_ics([booking], method=method)


def test_a_calendar_of_several_sessions_reads_as_the_library_writes_it():
    bookings = [
        unsaved_booking(
            pk=pk,
            clinic_name='Bleecker & Co; Mothers’ Massage, “Prenatal” ^ \\ "quoted"',
            address="12 Bleecker Street\r\n\n  New York, NY 10012  \nUSA",
            phone="+1 212 555 0100",
            therapist_name="Zoë Ångström-Ñúñez " * 4,
            client_email=f"client{pk}@example.com",
            calendar_uid="booking-1@bolster" if pk == 2 else "",
        )
        for pk in (1, 2, 3)
    ]

    for method in (PUBLISH, REQUEST, CANCEL):
        with time_machine.travel(STAMPED_AT, tick=False):
            assert ics_for_bookings(bookings, method=method) == library_ics(bookings, method=method)
