"""On a phone: she checks in from her reminder, her therapist writes the note, she sees her
pain before and after on her plan's chart."""

import datetime as dt
import re
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.emails import reminder_message
from booking.models import Plan, Reminder
from booking.services import flags
from care.models import CheckIn, TreatmentNote
from tests.e2e.conftest import PHONE_VIEWPORT, SCREENSHOT_DIR, log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    BookingFactory,
    IntakeResponseFactory,
    PregnancyProfileFactory,
    SlotFactory,
    TherapistFactory,
    UserFactory,
)

NAME = "test_she_checks_in_with_pain_7_the_note_says_4_and_her_chart_shows_both"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_she_checks_in_with_pain_7_the_note_says_4_and_her_chart_shows_both(
    browser, page, live_server, screenshot
):
    therapist = TherapistFactory(
        user=UserFactory(first_name="Rosa", last_name="Lind"), display_name="Rosa Lind"
    )
    mother = UserFactory(first_name="Maya", last_name="Okafor")
    PregnancyProfileFactory(client=mother, due_date=timezone.localdate() + dt.timedelta(weeks=12))
    IntakeResponseFactory(client=mother, conditions=["sciatica"])
    # The session began ten minutes ago: she checks in at the door, the note follows it.
    starts_at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    plan = Plan.objects.create(
        client=mother,
        therapist=therapist,
        weekdays=[starts_at.weekday()],
        local_time=starts_at.time(),
        starts_on=starts_at.date(),
        ends_on=starts_at.date() + dt.timedelta(weeks=4),
    )
    booking = BookingFactory(
        client=mother,
        plan=plan,
        slot=SlotFactory(
            therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
        ),
    )
    flags.write_flags(booking=booking)
    reminder = Reminder.objects.create(
        booking=booking, recipient=mother, kind="2h", send_at=starts_at
    )
    body = reminder_message(reminder).body
    checkin_link = re.search(r"Check in \(30 seconds.*?\n(\S+)", body).group(1)

    # She follows the link in her reminder.
    log_in(page, mother.email, DEFAULT_PASSWORD)
    page.goto(urlparse(checkin_link).path)
    expect(page.get_by_role("heading", name="Check in")).to_be_visible()
    page.get_by_label("None of these").check()
    page.get_by_label("7", exact=True).check()
    page.get_by_label("Buttock").check()
    page.locator("#id_sleep_effect_2").check()
    page.locator("#id_walking_effect_1").check()
    screenshot("checkin")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    page.get_by_role("button", name="Send my check-in").click()
    expect(page.get_by_role("heading", name="You're checked in")).to_be_visible()
    expect(page.get_by_text("Your sciatic pain today: 7/10")).to_be_visible()
    screenshot("checked-in")
    assert CheckIn.objects.get(booking=booking).pain == 7

    # Her therapist, on her own phone, writes the note from her day.
    context = browser.new_context(viewport=PHONE_VIEWPORT, base_url=live_server.url)
    staff = context.new_page()
    log_in(staff, therapist.user.email, DEFAULT_PASSWORD)
    staff.goto("/book/sessions/")
    expect(staff.get_by_text("Checked in")).to_be_visible()
    staff.get_by_role("link", name=re.compile("Maya")).first.click()
    staff.get_by_role("link", name="Check-in, hold and treatment note").click()
    expect(staff.get_by_text("7/10")).to_be_visible()
    staff.get_by_role("link", name="Write the note").click()
    staff.get_by_label("Left side-lying", exact=True).check()
    staff.get_by_label("Bolsters", exact=True).fill("Head, belly, top knee")
    staff.get_by_label("Gluteals and piriformis", exact=True).check()
    staff.get_by_label("Low back", exact=True).check()
    techniques = staff.get_by_role("textbox", name="Techniques and pressure")
    techniques.fill("Moderate lengthening strokes")
    staff.get_by_label("Areas avoided", exact=True).fill("Calves")
    staff.get_by_label("4", exact=True).check()
    for box in staff.get_by_role("checkbox", name=re.compile("— followed")).all():
        box.check()
    staff.screenshot(path=str(SCREENSHOT_DIR / f"{NAME}-note.png"), full_page=True)
    staff.get_by_role("button", name="Sign the note").click()
    expect(staff.get_by_text("Note signed.")).to_be_visible()
    expect(staff.get_by_text("Pain after")).to_be_visible()
    staff.screenshot(path=str(SCREENSHOT_DIR / f"{NAME}-signed.png"), full_page=True)
    context.close()
    assert TreatmentNote.objects.get(booking=booking).pain_after == 4

    # She sees both points on her plan's chart.
    page.goto(f"/book/plans/{plan.pk}/")
    chart = page.locator("figure.progress-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("circle[data-pain-before='7']")).to_have_count(1)
    expect(chart.locator("rect[data-pain-after='4']")).to_have_count(1)
    expect(page.get_by_role("table")).to_contain_text("7")
    screenshot("chart")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
