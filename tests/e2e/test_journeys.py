"""Her journeys on a 390×844 phone, one test per step of the journey issue, screenshots per step."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from PIL import Image
from playwright.sync_api import expect

from booking.models import Booking, Slot
from booking.services import book_session, generate_slots
from booking.services.slots import add_time_off
from safety import engine, services
from tests.booking.conftest import make_ready_client, next_weekday, slot_at
from tests.e2e.conftest import SCREENSHOT_DIR, log_in
from tests.e2e.test_accessibility import NARROW_PHONE, audit
from tests.factories import (
    DEFAULT_PASSWORD,
    ClinicFactory,
    PregnancyProfileFactory,
    TherapistFactory,
    UserFactory,
    WorkingHoursFactory,
)

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


def shot(other_page, request, step: str) -> None:
    """A screenshot of a second person's page, named like the ``screenshot`` fixture's."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    other_page.screenshot(
        path=str(SCREENSHOT_DIR / f"{request.node.name}-{step}.png"), full_page=True
    )


def local(clinic, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clinic.tz)


def axe_problems(browser, live_server, email: str, paths: list[str]) -> list[str]:
    context = browser.new_context(viewport=NARROW_PHONE, base_url=live_server.url)
    page = context.new_page()
    log_in(page, email, DEFAULT_PASSWORD)
    problems = [problem for path in paths for problem in audit(page, path)]
    context.close()
    return problems


def answer_health_questions(page, *, yes=()) -> None:
    for rule in engine.intake_questions(after_birth=False):
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


def test_plan_form_offers_only_her_working_days_and_names_each_kind_of_date(
    page, screenshot, browser, live_server, camden, rosa
):
    camden.booking_horizon_weeks = 3
    camden.save()
    amira = TherapistFactory(clinic=camden, display_name="Amira Haddad", user=UserFactory())
    WorkingHoursFactory(therapist=amira, weekday=1)
    for weekday in (0, 3):
        WorkingHoursFactory(therapist=rosa, weekday=weekday, starts_at=dt.time(10))
    monday = next_weekday(camden, 0)
    generate_slots(therapist=rosa, start=monday, end=monday + dt.timedelta(weeks=3))
    thursday = monday + dt.timedelta(days=3)
    book_session(
        client=make_ready_client(),
        slot=Slot.objects.get(therapist=rosa, starts_at=local(camden, thursday, 10)),
    )
    add_time_off(
        therapist=rosa,
        starts_on=monday + dt.timedelta(weeks=1),
        ends_on=monday + dt.timedelta(weeks=1),
        reason="Training",
    )
    make_ready_client(email="maya@example.com", first_name="Maya")

    log_in(page, "maya@example.com", DEFAULT_PASSWORD)
    plan_url = f"/book/clinic/{camden.slug}/plan/"
    page.goto(plan_url)
    expect(page.get_by_role("heading", name="First, choose your therapist")).to_be_visible()
    screenshot("1-choose-therapist")
    page.get_by_role("link", name="Plan with Rosa Lind").click()

    boxes = page.locator("input[name=weekdays]")
    expect(boxes).to_have_count(2)
    expect(page.get_by_label("Tuesday")).to_have_count(0)
    screenshot("2-her-days")
    page.get_by_label("Monday").check()
    page.get_by_label("Thursday").check()
    page.get_by_label("Time").select_option("10:00")
    page.get_by_label("Start date").fill(monday.isoformat())
    page.get_by_label("Last date").fill((monday + dt.timedelta(weeks=4, days=3)).isoformat())
    page.get_by_role("button", name="See the dates").click()

    expect(page.get_by_role("heading", name="Your dates")).to_be_visible()
    statuses = {
        word: page.locator(".plan-status", has_text=word)
        for word in ("Taken", "Therapist off", "Not open yet", "Free")
    }
    for word, chips in statuses.items():
        expect(chips.first, word).to_be_visible()
    colours = {
        word: chips.first.evaluate("el => getComputedStyle(el).backgroundColor")
        for word, chips in statuses.items()
    }
    assert len(set(colours.values())) == 4, colours
    screenshot("3-preview")
    preview_url = page.url.removeprefix(live_server.url)

    problems = axe_problems(
        browser,
        live_server,
        "maya@example.com",
        [plan_url, f"{plan_url}?therapist={rosa.pk}", preview_url],
    )
    assert problems == [], "\n".join(problems)


def test_clearance_told_before_booking_letter_uploaded_verified_and_shown_received(
    page, screenshot, browser, live_server, camden, rosa, tmp_path, request
):
    make_ready_client(email="maya@example.com", first_name="Maya", conditions=["hypertension"])
    slot = slot_at(rosa, next_weekday(camden, 2))
    letter = tmp_path / "letter.png"
    Image.new("RGB", (60, 80), "white").save(letter, format="PNG")

    log_in(page, "maya@example.com", DEFAULT_PASSWORD)
    page.goto(f"/book/time/{slot.pk}/")
    expect(page.get_by_text("Before this session your therapist needs a note")).to_be_visible()
    screenshot("1-told-before-booking")
    page.get_by_role("button", name="Book this session").click()
    expect(page.get_by_text("Clearance needed").first).to_be_visible()
    screenshot("2-booked")
    page.get_by_role("link", name="Send your letter").first.click()
    page.get_by_label("Photo or PDF of the letter").set_input_files(str(letter))
    page.get_by_role("button", name="Send the letter").click()
    expect(page.get_by_text("your letter is with your clinic")).to_be_visible()
    expect(page.get_by_text("Waiting for your therapist to check it")).to_be_visible()
    screenshot("3-letter-sent")

    therapist_context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url
    )
    therapist_page = therapist_context.new_page()
    log_in(therapist_page, rosa.user.email, DEFAULT_PASSWORD)
    booking = Booking.objects.get(slot=slot)
    therapist_page.goto(f"/health/sessions/{booking.pk}/")
    letter_link = therapist_page.get_by_role("link", name="Open the letter sent")
    expect(letter_link).to_be_visible()
    response = therapist_page.request.get(letter_link.get_attribute("href"))
    assert response.headers["content-type"] == "image/png"
    assert "no-store" in response.headers["cache-control"]
    therapist_page.get_by_label("Her letter it was verified from").select_option(index=1)
    therapist_page.get_by_label("Issued by (name and role)").fill("Dr Ana Reyes, GP")
    shot(therapist_page, request, "4-therapist-verifies")
    therapist_page.get_by_role("button", name="Record clearance").click()
    expect(therapist_page.get_by_text("Clearance recorded.")).to_be_visible()
    shot(therapist_page, request, "5-therapist-recorded")
    therapist_context.close()

    page.goto("/book/mine/")
    expect(page.get_by_text("Clearance received", exact=True)).to_be_visible()
    expect(page.get_by_text("Clearance needed")).to_have_count(0)
    screenshot("6-my-bookings-received")
    page.goto(f"/book/mine/{booking.pk}/")
    expect(page.get_by_text("Clearance received — thank you.")).to_be_visible()
    expect(page.get_by_text("Clearance needed")).to_have_count(0)
    screenshot("7-session-received")
    page.goto("/health/letters/")
    expect(page.get_by_text("Checked by your therapist")).to_be_visible()
    screenshot("8-letters")

    problems = axe_problems(
        browser, live_server, "maya@example.com", ["/health/letters/", "/book/mine/"]
    )
    problems += axe_problems(
        browser, live_server, rosa.user.email, [f"/health/sessions/{booking.pk}/"]
    )
    assert problems == [], "\n".join(problems)


def test_when_blocked_she_gets_one_message_and_the_right_next_step(
    page, screenshot, browser, live_server, camden, rosa
):
    make_ready_client(
        email="maya@example.com", first_name="Maya", conditions=["fever_or_infection"]
    )
    monday = next_weekday(camden, 0)
    slots = [slot_at(rosa, monday + dt.timedelta(weeks=week)) for week in range(3)]

    log_in(page, "maya@example.com", DEFAULT_PASSWORD)
    page.goto(f"/book/time/{slots[0].pk}/")
    expect(page.get_by_text("We can't book this session online.")).to_be_visible()
    expect(page.get_by_role("button", name="Book this session")).to_have_count(0)
    # Another time meets the same block, so it is not offered; her answers are the way on.
    expect(page.get_by_role("link", name="Choose another time")).to_have_count(0)
    expect(page.get_by_role("link", name="What to do now")).to_be_visible()
    expect(page.get_by_role("link", name="Update my health answers")).to_be_visible()
    screenshot("1-slot-blocked")

    plan_url = f"/book/clinic/{camden.slug}/plan/"
    page.goto(
        f"{plan_url}?therapist={rosa.pk}&weekdays=0&local_time=10:00&starts_on={monday}"
        f"&ends_on={monday + dt.timedelta(weeks=2)}"
    )
    expect(page.get_by_text("Rest and get well first.")).to_have_count(1)
    expect(page.locator(".plan-status-safety")).to_have_count(3)
    expect(page.get_by_role("button", name="Book the ticked dates")).to_have_count(0)
    expect(page.get_by_text("None of these dates can be booked.")).to_be_visible()
    screenshot("2-plan-blocked")

    problems = axe_problems(
        browser, live_server, "maya@example.com", [f"/book/time/{slots[0].pk}/", page.url]
    )
    assert problems == [], "\n".join(problems)


def test_a_session_booked_for_tomorrow_can_be_cancelled_in_the_grace_period(
    page, screenshot, browser, live_server, camden, rosa
):
    make_ready_client(email="maya@example.com", first_name="Maya")
    starts_at = (timezone.now() + dt.timedelta(hours=20)).replace(minute=0, second=0, microsecond=0)
    slot = Slot.objects.create(
        therapist=rosa, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )

    log_in(page, "maya@example.com", DEFAULT_PASSWORD)
    page.goto(f"/book/time/{slot.pk}/")
    page.get_by_role("button", name="Book this session").click()
    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible()
    # Less than 24 hours away, yet just booked: she may still change her mind online.
    expect(page.get_by_text("Just booked: you can still move or cancel it online")).to_be_visible()
    screenshot("1-just-booked")
    booking_url = page.url.removeprefix(live_server.url)
    page.get_by_role("link", name="Cancel this session").click()
    screenshot("2-cancel-confirm")
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_text("Your session is cancelled.")).to_be_visible()
    screenshot("3-cancelled")
    assert Booking.objects.get(slot=slot).status == Booking.Status.CANCELLED

    problems = axe_problems(browser, live_server, "maya@example.com", [booking_url])
    assert problems == [], "\n".join(problems)


def test_a_moved_session_updates_her_calendar_event_by_its_uid(
    page, screenshot, browser, live_server, camden, rosa
):
    make_ready_client(email="maya@example.com", first_name="Maya")
    day = next_weekday(camden, 2)
    first = slot_at(rosa, day, dt.time(10))
    slot_at(rosa, day, dt.time(14))

    log_in(page, "maya@example.com", DEFAULT_PASSWORD)
    page.goto(f"/book/time/{first.pk}/")
    page.get_by_role("button", name="Book this session").click()
    expect(page.get_by_role("link", name="Google Calendar")).to_be_visible()
    expect(page.get_by_role("link", name="Outlook")).to_be_visible()
    screenshot("1-booked-with-calendar-links")
    booked_ics = Calendar.from_ical(
        page.request.get(
            page.get_by_role("link", name="Apple Calendar or other (.ics)").get_attribute("href")
        ).body()
    ).walk("VEVENT")[0]

    page.get_by_role("link", name="Move to another time").click()
    screenshot("2-move")
    page.get_by_role("button", name="14:00").click()
    expect(page.get_by_text("Your session has moved.")).to_be_visible()
    screenshot("3-moved")
    moved_ics = Calendar.from_ical(
        page.request.get(
            page.get_by_role("link", name="Apple Calendar or other (.ics)").get_attribute("href")
        ).body()
    ).walk("VEVENT")[0]

    # The same event, one version newer, at the new time: no phantom left at 10:00.
    assert moved_ics["uid"] == booked_ics["uid"]
    assert moved_ics["sequence"] > booked_ics["sequence"]
    assert moved_ics.decoded("dtstart").astimezone(camden.tz).hour == 14
    moved_mail = next(m for m in mail.outbox if "has moved" in m.subject)
    [(_, content, mimetype)] = moved_mail.attachments
    assert mimetype == "text/calendar; method=REQUEST"
    assert Calendar.from_ical(content).walk("VEVENT")[0]["uid"] == booked_ics["uid"]


def test_grouped_health_form_with_none_of_these_and_notes_after_yes(
    page, screenshot, browser, live_server
):
    maya = UserFactory(email="maya@example.com", first_name="Maya")
    PregnancyProfileFactory(client=maya)

    log_in(page, "maya@example.com", DEFAULT_PASSWORD)
    page.goto("/health/questions/")
    note = page.locator("#id_note_sciatica")
    expect(note).to_be_hidden()
    screenshot("1-questions")
    for group in (engine.RIGHT_NOW, engine.YOUR_HEALTH):
        page.locator(f"#id_none_{group}").check()
    expect(page.locator("input[name=q_suspected_dvt]").first).to_be_hidden()
    page.locator("#id_q_sciatica_0").check()
    expect(note).to_be_visible()
    note.fill("Left leg, worse at night")
    colour = page.locator("#id_q_sciatica_0").evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(91, 58, 120)"
    screenshot("2-none-of-these-and-a-note")
    page.get_by_role("button", name="Save my answers").click()

    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("There are")
    screenshot("3-error-summary")
    problems = axe_problems(browser, live_server, "maya@example.com", ["/health/questions/"])
    for rule in engine.CONDITION_RULES:
        if rule.group == engine.THIS_PREGNANCY and rule.condition != "sciatica":
            page.locator(f"#id_q_{rule.condition}_1").check()
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Thank you — your answers are saved.")).to_be_visible()
    screenshot("4-saved")
    intake = services.latest_intake(maya)
    assert intake.conditions == ["sciatica"]
    assert intake.notes == {"sciatica": "Left leg, worse at night"}
    assert problems == [], "\n".join(problems)
