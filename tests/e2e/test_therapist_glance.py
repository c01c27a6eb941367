"""A therapist on her phone reads, for each session, the two or three things that change her
hands, and opens the full instructions with one tap."""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from booking.services import book_session
from tests.booking.conftest import local_today, slot_at
from tests.e2e.conftest import log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    IntakeResponseFactory,
    PregnancyProfileFactory,
    TherapistFactory,
    UserFactory,
)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_therapist_sees_chips_on_her_day_and_the_instructions_one_tap_away(page, screenshot):
    therapist = TherapistFactory(
        user=UserFactory(first_name="Rosa", last_name="Lind"), display_name="Rosa Lind"
    )
    today = local_today(therapist.clinic)
    mother = UserFactory(first_name="Maya", last_name="Okafor")
    # 22 weeks and 1 day on the session's day, two days from now.
    PregnancyProfileFactory(client=mother, due_date=today + dt.timedelta(days=2 + 280 - 155))
    IntakeResponseFactory(
        client=mother,
        conditions=["sciatica", "hypertension"],
        notes={"sciatica": "left, worse at night"},
    )
    booking = book_session(client=mother, slot=slot_at(therapist, today + dt.timedelta(days=2)))

    log_in(page, therapist.user.email, DEFAULT_PASSWORD)
    page.goto(reverse("sessions:day"))

    card = page.locator(".session-list li.card").first
    expect(card).to_contain_text("22 weeks and 1 day pregnant")
    chips = card.locator(".glance-chips .chip")
    expect(chips).to_have_text(
        ["Clearance needed", "Moderate pressure, no heat", "Sciatica: left, worse at night"]
    )
    expect(page.get_by_text("Adapt treatment")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert card.locator("a").bounding_box()["height"] >= 44
    screenshot("day")

    card.get_by_text("Full instructions").click()
    expect(page).to_have_url(reverse("sessions:review", args=[booking.pk]))
    expect(page.get_by_text("Moderate pressure; avoid heat; check she feels well.")).to_be_visible()
    screenshot("review")
