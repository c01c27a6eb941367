"""A first-time mother, from the home page on her phone, signs up, tells us her pregnancy and
health, and books a twice-weekly plan to her due date: at most six screens after the home
page, each step shown."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from booking.models import Plan
from booking.services import generate_slots
from tests.booking.conftest import local_today
from tests.e2e.test_accessibility import (
    AXE_SCRIPT,
    MIN_TAP_TARGET_PX,
    SMALL_TAP_TARGETS_JS,
)
from tests.e2e.test_journeys import answer_health_questions
from tests.factories import ClinicFactory, TherapistFactory, UserFactory, WorkingHoursFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_SCREENS_AFTER_HOME = 6


def problems_here(page) -> list[str]:
    """axe's violations and small tap targets on the page as it is, without reloading it."""
    # Through devtools: the content policy refuses an inline script tag, as it should.
    page.evaluate(AXE_SCRIPT.read_text())
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [f"{page.url}: axe {v['id']}: {v['nodes'][0]['target']}" for v in violations] + [
        f"{page.url}: small tap target {t}"
        for t in page.evaluate(SMALL_TAP_TARGETS_JS, MIN_TAP_TARGET_PX)
    ]


def test_first_time_mother_books_a_twice_weekly_plan_in_six_screens(page, screenshot):
    camden = ClinicFactory(name="Camden Bump Clinic", slug="camden-bump-clinic")
    rosa = TherapistFactory(clinic=camden, display_name="Rosa Lind", user=UserFactory())
    amira = TherapistFactory(clinic=camden, display_name="Amira Haddad", user=UserFactory())
    for weekday in (0, 3):
        WorkingHoursFactory(therapist=rosa, weekday=weekday, starts_at=dt.time(10))
    WorkingHoursFactory(therapist=amira, weekday=1)
    today = local_today(camden)
    generate_slots(therapist=rosa, start=today, end=today + dt.timedelta(weeks=8))
    TherapistFactory(clinic=camden, display_name="Just Invited", user=UserFactory())
    due_date = today + dt.timedelta(weeks=18)  # 22 weeks pregnant

    screens = []
    page.on(
        "framenavigated",
        lambda frame: screens.append(frame.url) if frame == page.main_frame else None,
    )

    page.goto("/")
    screenshot("0-home")
    page.get_by_role("link", name="Create an account").click()

    page.get_by_label("First name").fill("Maya")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("E-mail").fill("maya@example.com")
    page.locator("#id_password1").fill("a-Long-test-passw0rd")
    page.get_by_label("Password confirmation").fill("a-Long-test-passw0rd")
    screenshot("1-sign-up")
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", name="My pregnancy & health")).to_be_visible()
    steps = page.get_by_role("navigation", name="Getting started")
    expect(steps.locator("[aria-current=step]")).to_contain_text("Your pregnancy")
    expect(page.get_by_role("link", name="Delete my account")).to_have_count(0)
    screenshot("2-her-pregnancy")
    problems = problems_here(page)
    page.get_by_role("textbox", name="Your due date").fill(due_date.isoformat())
    page.get_by_label("Your mobile number").fill("+44 7400 900123")
    page.get_by_label("Emergency contact: name").fill("Sam Okafor")
    page.get_by_label("Emergency contact: phone").fill("+44 7400 900124")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Your health questions")).to_be_visible()
    expect(steps.locator("[aria-current=step]")).to_contain_text("Health questions")
    answer_health_questions(page)
    page.locator("input[name=consent]").check()
    screenshot("3-health-questions")
    problems += problems_here(page)
    page.get_by_role("button", name="Save my answers").click()

    expect(page.get_by_role("heading", name="Find a time")).to_be_visible()
    expect(steps.locator("[aria-current=step]")).to_contain_text("Find a time")
    expect(page.get_by_role("link", name="Weekly plan with Just Invited")).to_have_count(0)
    screenshot("4-find-a-time")
    problems += problems_here(page)
    page.get_by_role("link", name="Weekly plan with Rosa Lind").click()

    page.get_by_label("Monday").check()
    page.get_by_label("Thursday").check()
    page.get_by_label("Time").select_option("10:00")
    screenshot("5-plan")
    page.get_by_role("button", name="See the dates").click()

    expect(page.get_by_role("heading", name="Your dates")).to_be_visible()
    screenshot("6-her-dates")
    page.get_by_role("button", name="Book the ticked dates").click()

    plan = Plan.objects.get(client__email="maya@example.com")
    assert plan.weekdays == [0, 3]
    assert plan.ends_on == due_date
    assert plan.bookings.count() > 0
    page.wait_for_load_state()
    screenshot("7-booked")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The home page, then each screen she acted on, then the booked plan's page.
    acted_on = screens[1:-1]
    assert len(acted_on) <= MAX_SCREENS_AFTER_HOME, acted_on
    assert problems == [], "\n".join(problems)
