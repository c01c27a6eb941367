"""A new client on her phone: sign up, health answers, a twice-weekly plan, cancel one."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Booking, Slot
from tests.factories import ClinicFactory, TherapistFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def next_monday(clinic) -> dt.date:
    day = timezone.localtime(timezone.now(), clinic.tz).date() + dt.timedelta(days=3)
    while day.weekday() != 0:
        day += dt.timedelta(days=1)
    return day


def test_new_client_books_a_twice_weekly_plan_and_cancels_one_session(page, screenshot):
    clinic = ClinicFactory(name="Camden Bump Clinic", slug="camden-bump-clinic")
    rosa = TherapistFactory(
        clinic=clinic, display_name="Rosa Lind", slug="rosa-lind", user=UserFactory()
    )
    monday = next_monday(clinic)
    for offset in range(35):
        for hour in (10, 14):
            starts_at = dt.datetime.combine(
                monday + dt.timedelta(days=offset), dt.time(hour), tzinfo=clinic.tz
            )
            Slot.objects.create(
                therapist=rosa, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
            )
    last_day = monday + dt.timedelta(days=27)

    page.goto("/book/")
    page.get_by_role("link", name=re.compile("Camden Bump Clinic")).click()
    screenshot("1-clinic")
    page.get_by_role("link", name="Plan weekly sessions").click()
    page.get_by_role("link", name="Create an account").click()

    page.get_by_label("First name").fill("Maya")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("E-mail").fill("maya@example.com")
    page.locator("#id_password1").fill("a-Long-test-passw0rd")
    page.get_by_label("Password confirmation").fill("a-Long-test-passw0rd")
    page.get_by_role("button", name="Create my account").click()

    # Sent to her pregnancy profile first, then the health questions, then back.
    due_date = timezone.localdate() + dt.timedelta(weeks=20)
    page.get_by_label("Your due date", exact=True).fill(due_date.isoformat())
    page.get_by_label("Your mobile number").fill("+44 7400 900123")
    page.get_by_label("Emergency contact: name").fill("Tunde Okafor")
    page.get_by_label("Emergency contact: phone").fill("+44 7400 900124")
    screenshot("2-profile")
    page.get_by_role("button", name=re.compile("Save")).click()

    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.locator("input[name=consent]").check()
    screenshot("3-intake")
    page.get_by_role("button", name="Save my answers").click()

    expect(page.get_by_role("heading", name="Plan weekly sessions")).to_be_visible()
    page.get_by_label("Monday").check()
    page.get_by_label("Thursday").check()
    page.get_by_label("Time").select_option("10:00")
    page.get_by_label("Start date").fill(monday.isoformat())
    page.get_by_label("Last date").fill(last_day.isoformat())
    screenshot("4-plan-form")
    page.get_by_role("button", name="See the dates").click()

    expect(page.get_by_role("heading", name="Your dates")).to_be_visible()
    expect(page.locator(".plan-date-free")).to_have_count(8)
    screenshot("5-preview")
    page.get_by_role("button", name="Book the ticked dates").click()

    expect(page.get_by_role("heading", name="Your weekly plan")).to_be_visible()
    expect(page.get_by_text("Your plan is booked: 8 sessions.")).to_be_visible()
    expect(page.locator(".booking-row")).to_have_count(8)
    page.locator(".booking-notes summary").first.click()
    expect(page.get_by_text(re.compile("on your side")).first).to_be_visible()
    screenshot("6-plan-booked")

    page.get_by_role("link", name="My bookings").last.click()
    expect(page.locator(".booking-row")).to_have_count(8)
    screenshot("7-my-bookings")
    page.get_by_role("link", name=re.compile("^Cancel the session on")).first.click()
    screenshot("8-cancel-confirm")
    page.get_by_role("button", name="Yes, cancel it").click()

    expect(page.get_by_text("Your session is cancelled.")).to_be_visible()
    screenshot("9-cancelled")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    bookings = Booking.objects.filter(client__email="maya@example.com")
    assert bookings.filter(status=Booking.Status.BOOKED).count() == 7
    assert bookings.filter(status=Booking.Status.CANCELLED).count() == 1
    assert {timezone.localtime(b.starts_at, clinic.tz).weekday() for b in bookings} == {0, 3}
