"""A clinic admin on her phone: the dashboard opens on today, her therapist's week is edited in
place, an afternoon off, and the week shows which sessions still need a clearance."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backoffice.schedule import monday_of
from booking.services import book_session, generate_slots
from clinics.models import TimeOff
from tests.booking.conftest import make_ready_client
from tests.e2e.conftest import log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    ClinicFactory,
    TherapistFactory,
    UserFactory,
    WorkingHoursFactory,
)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_clinic_admin_runs_today_hours_and_time_off_from_her_phone(page, screenshot):
    admin = UserFactory(email="priya@camden.example", first_name="Priya")
    clinic = ClinicFactory(name="Camden Bump Clinic", time_zone="Europe/London", admin=admin)
    rosa = TherapistFactory(clinic=clinic, display_name="Rosa Lind", slug="rosa-lind")
    WorkingHoursFactory(therapist=rosa, weekday=0, starts_at=dt.time(9), ends_at=dt.time(13))
    monday = monday_of(timezone.localdate(timezone=clinic.tz)) + dt.timedelta(weeks=1)
    generate_slots(therapist=rosa, start=monday, end=monday)
    mother = make_ready_client(conditions=["hypertension"], first_name="Maya")
    book_session(client=mother, slot=rosa.slots.order_by("starts_at").first())

    log_in(page, admin.email, DEFAULT_PASSWORD)
    today = page.get_by_role("region", name=re.compile("^Today"))
    expect(today.get_by_role("link", name="1 clearance outstanding")).to_be_visible()
    expect(today.get_by_role("link", name="0 red-flag holds")).to_be_visible()
    expect(page.get_by_text("London time")).to_be_visible()
    expect(page.get_by_text("Europe/London")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("today")
    today.get_by_role("link", name="1 clearance outstanding").click()
    expect(page.get_by_role("heading", name="Clearances outstanding")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Maya"))).to_be_visible()
    screenshot("clearances")

    page.goto(f"/clinics/dashboard/schedule/{clinic.slug}/?week={monday.isoformat()}")
    booked = page.locator("[data-state='booked']")
    expect(booked).to_contain_text("Clearance needed")
    screenshot("week-chips")

    page.goto(f"/clinics/dashboard/schedule/{clinic.slug}/therapists/{rosa.pk}/hours/")
    page.get_by_label("Start of a new stretch on Monday").fill("14:00")
    page.get_by_label("End of a new stretch on Monday").fill("18:00")
    page.get_by_role("button", name="Add hours on Monday").click()
    expect(page.get_by_text("Hours added: Monday 14:00–18:00")).to_be_visible()
    page.get_by_label("End of Monday 09:00–13:00").fill("12:00")
    page.get_by_role("button", name="Save Monday 09:00–13:00").click()
    expect(page.get_by_text("Hours changed: Monday 09:00–12:00")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("hours-grid")

    page.goto(f"/clinics/dashboard/schedule/{clinic.slug}/therapists/{rosa.pk}/time-off/")
    page.get_by_label("First day off").fill(monday.isoformat())
    page.get_by_label("Last day off").fill(monday.isoformat())
    page.get_by_label("From (optional)").fill("15:00")
    page.get_by_label("Reason").fill("Dentist")
    page.get_by_role("button", name="Add time off").click()
    expect(page.get_by_text("Time off added")).to_be_visible()
    expect(page.get_by_text(re.compile("from 15:00"))).to_be_visible()
    screenshot("time-off")
    off = TimeOff.objects.get(therapist=rosa)
    assert (off.from_time, off.until_time) == (dt.time(15), None)
    afternoon = {
        f"{s.starts_at.astimezone(clinic.tz):%H:%M}"
        for s in rosa.slots.filter(starts_at__date=monday)
    }
    assert "14:00" in afternoon and "15:15" not in afternoon
