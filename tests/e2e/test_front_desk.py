"""A clinic admin, on her phone, books a caller's twice-weekly plan, marks how two sessions
ended and sees them in the report."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from booking.models import Booking
from tests.booking.conftest import make_ready_client
from tests.e2e.conftest import log_in
from tests.factories import DEFAULT_PASSWORD, ClinicFactory, TherapistFactory, UserFactory
from tests.frontdesk.conftest import weekly_slots


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_admin_books_a_callers_plan_marks_attendance_and_sees_the_report(page, screenshot):
    admin = UserFactory(email="priya@camden.example", first_name="Priya")
    clinic = ClinicFactory(name="Camden Bump Clinic", time_zone="Europe/London", admin=admin)
    rosa = TherapistFactory(clinic=clinic, display_name="Rosa Lind", slug="rosa-lind")
    weekly_slots(rosa, weekdays=(0, 3), weeks=3)
    caller = make_ready_client(
        first_name="Maya", last_name="Okafor", email="maya.okafor@example.com"
    )
    caller.pregnancy_profile.phone = "+44 7400 900321"
    caller.pregnancy_profile.save()
    clinic.registered_clients.add(caller)
    today = timezone.localdate(timezone=clinic.tz)
    starts_on = today + dt.timedelta(days=3)

    log_in(page, admin.email, DEFAULT_PASSWORD)
    page.get_by_text("Menu").click()
    page.get_by_role("link", name="Front desk").click()
    page.get_by_label("Find a client: name, e-mail or phone").fill("07400 900321")
    page.get_by_role("button", name="Find").click()
    screenshot("found")
    page.get_by_role("link", name="Maya Okafor").click()

    page.get_by_role("link", name="Book a weekly plan").click()
    page.get_by_label("Monday").check()
    page.get_by_label("Thursday").check()
    page.get_by_label("Time").select_option("10:00")
    page.get_by_label("Start date").fill(starts_on.isoformat())
    page.get_by_label("Last date").fill((starts_on + dt.timedelta(days=20)).isoformat())
    screenshot("plan-form")
    page.get_by_role("button", name="See the dates").click()
    page.get_by_role("heading", name="Her dates").wait_for()
    screenshot("plan-preview")
    page.get_by_role("button", name="Book the ticked dates for her").click()
    page.get_by_text("Plan booked for Maya").wait_for()
    screenshot("plan-booked")

    sessions = list(Booking.objects.filter(client=caller).order_by("starts_at"))
    assert len(sessions) >= 4
    assert {booking.booked_by_id for booking in sessions} == {admin.pk}
    first, second = sessions[:2]

    # Two sessions later the admin logs in again (a staff login ends after 30 idle minutes)
    # and marks how each of them ended.
    with time_machine.travel(second.ends_at + dt.timedelta(hours=2), tick=True):
        log_in(page, admin.email, DEFAULT_PASSWORD)
        for booking, outcome in ((first, "Attended"), (second, "No-show")):
            day = clinic.local_date(booking.starts_at)
            page.goto(f"/front-desk/{clinic.slug}/day/?day={day.isoformat()}")
            session = page.locator(f"#session-{booking.pk}")
            session.get_by_role("button", name=outcome).click()
            page.get_by_text(f"Maya: {outcome.lower()}.").wait_for()
            screenshot(f"marked-{outcome.lower()}")

        page.get_by_role("link", name="Reports").click()
        page.get_by_label("From").fill(starts_on.isoformat())
        page.get_by_label("To").fill((starts_on + dt.timedelta(days=20)).isoformat())
        page.get_by_role("button", name="Show").click()
        page.get_by_role("heading", name="Sessions per week").wait_for()
        screenshot("report")
        weekly = page.locator("#table-weekly tbody tr")
        cells = [weekly.nth(i).locator("td").all_inner_texts() for i in range(weekly.count())]
        attended = sum(int(row[1]) for row in cells)
        no_shows = sum(int(row[2]) for row in cells)
        assert (attended, no_shows) == (1, 1)
        adherence = page.locator("#table-plans tbody tr").first
        assert adherence.locator("th").inner_text() == "Maya Okafor"
        assert adherence.locator("td").all_inner_texts()[-1] == "50%"
        # The page needs no sideways scrolling on the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attendance, second.attendance) == ("attended", "no_show")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_admin_registers_a_new_mother_by_phone_books_her_plan_then_cancels_it(page, screenshot):
    admin = UserFactory(email="priya@camden.example", first_name="Priya")
    clinic = ClinicFactory(name="Camden Bump Clinic", time_zone="Europe/London", admin=admin)
    rosa = TherapistFactory(clinic=clinic, display_name="Rosa Lind", slug="rosa-lind")
    weekly_slots(rosa, weekdays=(0, 3), weeks=3)
    today = timezone.localdate(timezone=clinic.tz)
    born = today - dt.timedelta(weeks=8)
    starts_on = today + dt.timedelta(days=3)

    log_in(page, admin.email, DEFAULT_PASSWORD)
    page.goto(f"/front-desk/{clinic.slug}/clients/new/")
    page.get_by_label("First name").fill("Leila")
    page.get_by_label("Phone").fill("07400 900444")
    page.get_by_label("Baby's birth date, if her baby has arrived").fill(born.isoformat())
    page.get_by_label("Birth", exact=True).select_option("vaginal")
    page.get_by_label("I asked her every question above").check()
    screenshot("new-postnatal-caller")
    page.get_by_role("button", name="Register her").click()
    page.get_by_text("registered without an e-mail").wait_for()
    screenshot("registered")
    assert page.get_by_role("link", name="Add her e-mail").is_visible()
    assert "8 weeks ago" in page.locator(".client-details").inner_text()

    page.get_by_role("link", name="Book a weekly plan").click()
    page.get_by_label("Monday").check()
    page.get_by_label("Time").select_option("10:00")
    page.get_by_label("Start date").fill(starts_on.isoformat())
    page.get_by_label("Last date").fill((starts_on + dt.timedelta(days=20)).isoformat())
    page.get_by_role("button", name="See the dates").click()
    page.get_by_role("button", name="Book the ticked dates for her").click()
    page.get_by_text("Plan booked for Leila").wait_for()
    booked = Booking.objects.filter(client__first_name="Leila", status="booked").count()
    assert booked >= 2

    page.get_by_role("link", name="Cancel the rest of this plan").click()
    assert page.locator(".plan-session").count() == booked
    page.get_by_label("The clinic has to cancel").check()
    screenshot("cancel-plan")
    page.get_by_role("button", name="Cancel the plan").click()
    page.get_by_text(f"Plan cancelled: {booked} sessions cancelled.").wait_for()
    screenshot("plan-cancelled")
    assert not Booking.objects.filter(client__first_name="Leila", status="booked").exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
