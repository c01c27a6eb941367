"""Her calendar follows every change: one UID per session, a rising SEQUENCE, REQUEST/CANCEL,
an alarm, add-to-calendar links, and e-mails that link straight to the session."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from booking.calendar import add_to_calendar_links, ics_for_bookings
from booking.models import Booking
from booking.services import book_session, cancel_booking, move_booking
from tests.booking.conftest import local_today, slot_at

pytestmark = pytest.mark.django_db


def calendar_of(message):
    [(_, content, mimetype)] = message.attachments
    calendar = Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return calendar, event, mimetype


@pytest.fixture
def booked(ready_client, therapist, mailoutbox, django_capture_on_commit_callbacks):
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
