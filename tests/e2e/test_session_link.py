"""From the link in her reminder, on her phone and not logged in, she moves her session; the
old link then no longer works, and no page shows her health answers."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from booking.emails import reminder_message
from booking.models import Booking, Reminder
from booking.services import book_session
from tests.booking.conftest import booked_a_while_ago, local_today, make_ready_client, slot_at
from tests.e2e.test_first_plan_journey import problems_here
from tests.factories import ClinicFactory, TherapistFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_she_moves_her_session_from_the_reminder_without_logging_in(
    page, screenshot, live_server, settings
):
    settings.SITE_URL = live_server.url
    clinic = ClinicFactory(name="Camden Bump Clinic")
    rosa = TherapistFactory(clinic=clinic, display_name="Rosa Lind", user=UserFactory())
    mother = make_ready_client(conditions=["hypertension"], first_name="Maya")
    today = local_today(clinic)
    booking = book_session(client=mother, slot=slot_at(rosa, today + dt.timedelta(days=4)))
    booked_a_while_ago(booking)
    later = slot_at(rosa, today + dt.timedelta(days=4), dt.time(14))
    reminder = Reminder.objects.create(
        booking=booking, recipient=mother, kind="72h", send_at=booking.starts_at
    )

    body = reminder_message(reminder).body
    move_link = re.search(r"Move this session:\s+(\S+)", body).group(1)
    assert "without logging in until" in body

    page.goto(move_link)
    expect(page.get_by_role("heading", name="Choose a new time")).to_be_visible()
    expect(page.get_by_text("High blood pressure")).to_have_count(0)
    expect(page.get_by_text("Log in", exact=True)).to_have_count(1)  # the header's, not a wall
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("1-from-the-reminder")
    assert problems_here(page) == []
    page.get_by_role("button", name="14:00").click()

    expect(page.get_by_role("heading", name="Your session is moved")).to_be_visible()
    screenshot("2-moved")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.MOVED
    assert booking.moved_to.slot == later

    page.goto(move_link)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    screenshot("3-old-link")
