"""Her plan page on a phone (booked and planned dates), then 'My baby has arrived'."""

import datetime as dt

import pytest
from django.utils import timezone

from booking.models import Booking, PlannedSession
from booking.services import book_plan
from booking.services.slots import ensure_slots_for_horizon
from tests.booking.conftest import make_ready_client
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import NARROW_PHONE, audit
from tests.factories import (
    DEFAULT_PASSWORD,
    ClinicFactory,
    TherapistFactory,
    UserFactory,
    WorkingHoursFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_plan_page_shows_booked_and_planned_dates_and_she_records_her_babys_arrival(
    page, screenshot, browser, live_server
):
    clinic = ClinicFactory(
        name="Camden Bump Clinic",
        slug="camden-bump-clinic",
        booking_horizon_weeks=4,
        turnover_minutes=0,
    )
    rosa = TherapistFactory(clinic=clinic, display_name="Rosa Lind", user=UserFactory())
    WorkingHoursFactory(therapist=rosa, weekday=2, starts_at=dt.time(9), ends_at=dt.time(13))
    ensure_slots_for_horizon()
    today = timezone.localtime(timezone.now(), clinic.tz).date()
    start = today + dt.timedelta(days=2)
    while start.weekday() != 2:
        start += dt.timedelta(days=1)
    due = start + dt.timedelta(weeks=9)
    maya = make_ready_client(email="maya@example.com", first_name="Maya", due_date=due)
    result = book_plan(
        client=maya, therapist=rosa, weekdays=[2], local_time=dt.time(10), starts_on=start
    )
    booked = len(result.booked)
    planned = PlannedSession.objects.filter(plan=result.plan, status="planned").count()
    assert booked >= 3 and planned >= 5 and booked + planned == 10

    log_in(page, "maya@example.com", DEFAULT_PASSWORD)
    page.goto(f"/book/plans/{result.plan.pk}/")
    assert page.locator(".booking-row.booking-booked").count() == booked
    planned_rows = page.locator(".planned-session.planned-planned")
    assert planned_rows.count() == planned
    assert "Books automatically on" in planned_rows.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("plan-page")

    page.goto("/book/mine/")
    page.get_by_role("link", name="My baby has arrived").click()
    page.get_by_label("Your baby's birth date").fill(today.isoformat())
    page.get_by_label("Caesarean birth").check()
    screenshot("birth-form")
    page.get_by_role("button", name="My baby has arrived").click()

    page.get_by_role("heading", name="Congratulations!").wait_for()
    cancelled = page.locator(".arrival-cancelled li")
    assert cancelled.count() == booked
    assert "Rosa Lind" in cancelled.first.inner_text()
    body = (
        page.locator("main").inner_text()
        if page.locator("main").count()
        else page.inner_text("body")
    )
    assert "Weekly plan with Rosa Lind: ended." in body
    assert "two weeks after a caesarean" in body or "from" in body
    screenshot("baby-arrived")
    assert Booking.objects.filter(client=maya, status="booked").count() == 0
    assert not PlannedSession.objects.filter(plan=result.plan, status="planned").exists()

    context = browser.new_context(viewport=NARROW_PHONE, base_url=live_server.url)
    narrow = context.new_page()
    log_in(narrow, "maya@example.com", DEFAULT_PASSWORD)
    problems = []
    for path in [f"/book/plans/{result.plan.pk}/", "/book/baby-arrived/", "/book/mine/"]:
        problems += audit(narrow, path)
    context.close()
    assert problems == [], "\n".join(problems)
