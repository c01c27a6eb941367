"""A clinic admin sets the clinic's emergency number on her phone; a client's red-flag answer
then gives her that number to call."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from booking.services import book_session
from tests.booking.conftest import local_today, make_ready_client, slot_at
from tests.e2e.conftest import PHONE_VIEWPORT, log_in
from tests.e2e.test_journeys import answer_health_questions, shot
from tests.factories import DEFAULT_PASSWORD, ClinicFactory, TherapistFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_number_the_clinic_sets_is_the_one_she_is_told_to_call(
    page, screenshot, browser, live_server, request
):
    admin = UserFactory(email="priya@camden.example")
    clinic = ClinicFactory(name="Camden Bump Clinic", admin=admin)
    rosa = TherapistFactory(clinic=clinic, user=UserFactory())
    mother = make_ready_client(email="maya@example.com")
    book_session(client=mother, slot=slot_at(rosa, local_today(clinic) + dt.timedelta(days=4)))

    log_in(page, admin.email, DEFAULT_PASSWORD)
    page.goto(f"/clinics/dashboard/{clinic.slug}/settings/")
    field = page.get_by_label("Emergency number")
    field.fill("call 112")
    page.get_by_role("button", name="Save settings").click()
    expect(
        page.get_by_text("Please enter the local emergency number as digits only")
    ).to_be_visible()
    expect(page.get_by_label("Emergency number")).to_have_value("call 112")
    screenshot("1-refused")
    page.get_by_label("Emergency number").fill("112")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    screenshot("2-saved")

    context = browser.new_context(viewport=PHONE_VIEWPORT, base_url=live_server.url)
    her_page = context.new_page()
    log_in(her_page, mother.email, DEFAULT_PASSWORD)
    her_page.goto("/health/questions/")
    answer_health_questions(her_page, yes=["sciatica_red_flags"])
    her_page.locator("input[name=consent]").check()
    her_page.get_by_role("button", name="Save my answers").click()
    expect(
        her_page.get_by_role("heading", name="Please get urgent medical help now")
    ).to_be_visible()
    expect(her_page.locator('a[href="tel:112"]')).to_be_visible()
    shot(her_page, request, "3-her-red-flag-page")
    context.close()
