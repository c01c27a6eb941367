"""A clinic admin, on her phone, blocks next Monday on the schedule."""

import datetime as dt

import pytest
from django.utils import timezone

from backoffice.schedule import monday_of
from booking.models import Booking, Slot
from booking.services import generate_slots
from tests.e2e.conftest import log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    BookingFactory,
    ClinicFactory,
    TherapistFactory,
    UserFactory,
    WorkingHoursFactory,
)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_clinic_admin_blocks_a_day_next_week_with_a_reason(page, screenshot):
    admin = UserFactory(email="priya@camden.example", first_name="Priya")
    clinic = ClinicFactory(name="Camden Bump Clinic", time_zone="Europe/London", admin=admin)
    rosa = TherapistFactory(clinic=clinic, display_name="Rosa Lind", slug="rosa-lind")
    amira = TherapistFactory(clinic=clinic, display_name="Amira Haddad", slug="amira-haddad")
    for therapist in (rosa, amira):
        for weekday in range(5):
            WorkingHoursFactory(therapist=therapist, weekday=weekday)
    monday = monday_of(timezone.localdate(timezone=clinic.tz)) + dt.timedelta(weeks=1)
    for therapist in (rosa, amira):
        generate_slots(therapist=therapist, start=monday, end=monday + dt.timedelta(days=6))
    booked_slot = Slot.objects.filter(therapist=rosa).order_by("starts_at")[1]
    booking = BookingFactory(slot=booked_slot, client=UserFactory(first_name="Maya"))

    log_in(page, admin.email, DEFAULT_PASSWORD)
    page.get_by_role("link", name="This week's schedule").click()
    page.get_by_role("link", name="Next week").click()
    page.wait_for_url(f"**?week={monday.isoformat()}")
    screenshot("next-week")
    rosa_monday = page.locator(
        f"section:has(h2:text-is('Rosa Lind')) [data-day='{monday.isoformat()}']"
    )
    assert rosa_monday.locator("[data-state='booked']").inner_text().endswith("Maya")

    rosa_monday.get_by_role("link", name="Block day").click()
    page.get_by_label("Reason").fill("Rosa at a training course")
    screenshot("block-form")
    page.get_by_role("button", name="Block", exact=True).click()

    page.get_by_role("heading", name="Cancel 1 booked session?").wait_for()
    screenshot("confirm")
    page.get_by_role("button", name="Block and cancel 1 session").click()

    page.wait_for_url(f"**?week={monday.isoformat()}**")
    page.get_by_text("Blocked 3 slots: Rosa at a training course.").wait_for()
    screenshot("blocked")
    states = rosa_monday.locator("[data-state]")
    assert states.count() == 3
    assert {states.nth(i).get_attribute("data-state") for i in range(3)} == {"blocked"}
    assert rosa_monday.get_by_text("Blocked").count() == 3
    amira_monday = page.locator(
        f"section:has(h2:text-is('Amira Haddad')) [data-day='{monday.isoformat()}']"
    )
    assert amira_monday.locator("[data-state='open']").count() == 3
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_clinic_admin_invites_a_therapist_and_gives_her_hours(page, screenshot, mailoutbox):
    admin = UserFactory(email="dana@brooklyn.example", first_name="Dana")
    ClinicFactory(name="Brooklyn Prenatal Studio", time_zone="America/New_York", admin=admin)

    log_in(page, admin.email, DEFAULT_PASSWORD)
    page.get_by_role("link", name="Invite a therapist").click()
    page.get_by_label("E-mail").fill("keiko@brooklyn.example")
    page.get_by_label("First name").fill("Keiko")
    page.get_by_label("Last name").fill("Sato")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_role("heading", name="Keiko Sato").wait_for()
    page.get_by_role("link", name="Working hours").click()
    page.get_by_label("Weekday").select_option(label="Tuesday")
    page.get_by_label("Start time").fill("09:00")
    page.get_by_label("End time").fill("13:00")
    page.get_by_role("button", name="Add these hours").click()
    page.get_by_text("Hours added: Tuesday 09:00–13:00.").wait_for()
    screenshot("hours")

    page.get_by_role("link", name="Back to Keiko Sato").click()
    page.get_by_role("link", name="Her week").click()
    page.get_by_role("link", name="Next week").click()
    screenshot("week")
    assert page.locator("[data-state='open']").count() == 3
    assert "New York time" in page.content()
    assert Slot.objects.filter(therapist__display_name="Keiko Sato").count() >= 8 * 3
    assert [m.to for m in mailoutbox] == [["keiko@brooklyn.example"]]
