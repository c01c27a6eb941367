"""A therapist on her phone reviews a flagged session, acknowledges it and records a clearance."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from booking.services import flags as flag_services
from tests.e2e.conftest import log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    BookingFactory,
    IntakeResponseFactory,
    PregnancyProfileFactory,
    SlotFactory,
    TherapistFactory,
    UserFactory,
)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_therapist_reads_flags_acknowledges_and_records_a_clearance(page, screenshot):
    therapist = TherapistFactory(
        user=UserFactory(first_name="Rosa", last_name="Lind"), display_name="Rosa Lind"
    )
    mother = UserFactory(first_name="Maya", last_name="Okafor")
    PregnancyProfileFactory(client=mother, due_date=timezone.localdate() + dt.timedelta(weeks=10))
    IntakeResponseFactory(client=mother, conditions=["dvt_history", "sciatica"])
    starts_at = (timezone.now() + dt.timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    booking = BookingFactory(
        client=mother,
        slot=SlotFactory(
            therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
        ),
    )
    flag_services.write_flags(booking=booking)

    log_in(page, therapist.user.email, DEFAULT_PASSWORD)
    page.goto(reverse("sessions:review", args=[booking.pk]))

    expect(page.get_by_role("heading", level=1)).to_contain_text("Maya Okafor")
    expect(page.get_by_role("heading", name=re.compile("Avoid deep leg massage"))).to_be_visible()
    expect(
        page.get_by_text("Only very light, slow strokes up the leg toward the heart")
    ).to_be_visible()
    week_on_the_day = flag_services.gestational_age_at_session(booking)
    expect(page.get_by_text(week_on_the_day.in_words)).to_be_visible()
    expect(page.get_by_text("Clearance needed").first).to_be_visible()
    screenshot("flags")

    page.get_by_role("button", name=re.compile("acknowledge")).click()
    expect(page.get_by_text("Acknowledged by Rosa Lind")).to_be_visible()
    screenshot("acknowledged")

    page.get_by_label("Issued by (name and role)").fill("Dr Ana Reyes, obstetrician")
    page.get_by_label("Date on the clearance").fill(timezone.localdate().isoformat())
    page.get_by_label("Limits or notes from the clinician").fill("Feet only below the knee.")
    page.get_by_role("button", name="Record clearance").click()

    expect(page.get_by_text("Clearance recorded.")).to_be_visible()
    expect(page.get_by_text("Cleared by Dr Ana Reyes, obstetrician")).to_be_visible()
    expect(page.get_by_text("Clearance needed")).to_have_count(0)
    screenshot("cleared")

    booking.refresh_from_db()
    assert booking.flags_acknowledged_by == therapist.user
    assert not flag_services.clearance_needed(booking)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
