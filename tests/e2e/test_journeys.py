"""Her journeys on a 390×844 phone, one test per step of the journey issue, screenshots per step."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from booking.services import book_session
from safety.engine import CONDITION_RULES
from tests.booking.conftest import make_ready_client, next_weekday, slot_at
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import NARROW_PHONE, audit
from tests.factories import DEFAULT_PASSWORD, ClinicFactory, TherapistFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def camden(db):
    return ClinicFactory(
        name="Camden Bump Clinic", slug="camden-bump-clinic", email="hello@camden.example"
    )


@pytest.fixture
def rosa(camden):
    return TherapistFactory(
        clinic=camden, display_name="Rosa Lind", slug="rosa-lind", user=UserFactory()
    )


def axe_problems(browser, live_server, email: str, paths: list[str]) -> list[str]:
    context = browser.new_context(viewport=NARROW_PHONE, base_url=live_server.url)
    page = context.new_page()
    log_in(page, email, DEFAULT_PASSWORD)
    problems = [problem for path in paths for problem in audit(page, path)]
    context.close()
    return problems


def answer_health_questions(page, *, yes=()) -> None:
    for rule in CONDITION_RULES:
        answer = "yes" if rule.condition in yes else "no"
        page.locator(f"input[name=q_{rule.condition}][value={answer}]").check()


def test_red_flag_answer_shows_what_to_do_now_and_the_sessions_on_hold(
    page, screenshot, browser, live_server, camden, rosa
):
    maya = make_ready_client(email="maya@example.com", first_name="Maya")
    day = next_weekday(camden, 2)
    book_session(client=maya, slot=slot_at(rosa, day))
    mail.outbox.clear()

    log_in(page, "maya@example.com", DEFAULT_PASSWORD)
    page.goto("/health/questions/")
    screenshot("1-questions")
    answer_health_questions(page, yes=["suspected_dvt"])
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="Save my answers").click()

    expect(
        page.get_by_role("heading", name="Please contact your midwife or maternity unit today")
    ).to_be_visible()
    expect(page.get_by_text("Thank you")).to_have_count(0)
    expect(
        page.get_by_text("A swollen, warm, red or painful leg can be a blood clot")
    ).to_be_visible()
    expect(page.get_by_text("On hold", exact=True)).to_have_count(1)
    expect(page.get_by_text("We've told Camden Bump Clinic.")).to_be_visible()
    screenshot("2-what-to-do-now")
    assert [m.subject for m in mail.outbox if m.to == ["hello@camden.example"]] == [
        "Maya " + maya.last_name + ": 1 session on hold after a red-flag answer"
    ]

    page.get_by_role("link", name="My bookings").last.click()
    row = page.locator(".booking-row")
    expect(row.get_by_text("On hold")).to_be_visible()
    # Moving it would only meet the same block; cancelling stays possible.
    expect(row.get_by_role("link", name="Move")).to_have_count(0)
    expect(row.get_by_role("link", name="What to do now")).to_be_visible()
    screenshot("3-my-bookings")
    page.goto("/health/profile/")
    expect(page.get_by_role("link", name="What to do now")).to_be_visible()
    screenshot("4-profile")

    problems = axe_problems(
        browser,
        live_server,
        "maya@example.com",
        ["/health/questions/what-to-do-now/", "/health/profile/"],
    )
    assert problems == [], "\n".join(problems)
