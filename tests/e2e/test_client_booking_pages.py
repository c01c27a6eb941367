"""Every booking page at 360 px with real times: no sideways scrolling, axe-clean, 44 px taps."""

import datetime as dt

import pytest
from django.utils import timezone

from booking.models import Slot
from booking.services import book_plan
from tests.booking.conftest import make_ready_client
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import NARROW_PHONE, audit
from tests.factories import DEFAULT_PASSWORD, ClinicFactory, TherapistFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_booking_pages_fit_a_narrow_phone_and_pass_axe(browser, live_server):
    clinic = ClinicFactory(name="Camden Bump Clinic", slug="camden-bump-clinic")
    rosa = TherapistFactory(clinic=clinic, display_name="Rosa Lind", user=UserFactory())
    today = timezone.localtime(timezone.now(), clinic.tz).date()
    monday = today + dt.timedelta(days=3)
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    for offset in range(14):
        for hour in (9, 11, 14, 16):
            starts_at = dt.datetime.combine(
                monday + dt.timedelta(days=offset), dt.time(hour), tzinfo=clinic.tz
            )
            Slot.objects.create(
                therapist=rosa, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
            )
    maya = make_ready_client(email="maya@example.com", first_name="Maya")
    result = book_plan(
        client=maya,
        therapist=rosa,
        weekdays=[0, 3],
        local_time=dt.time(9),
        starts_on=monday,
        ends_on=monday + dt.timedelta(days=13),
    )
    booking = result.booked[0]
    free = Slot.objects.free().filter(therapist=rosa).first()
    plan_url = f"/book/clinic/{clinic.slug}/plan/"
    preview = (
        f"{plan_url}?therapist={rosa.pk}&weekdays=0&weekdays=3&local_time=11:00"
        f"&starts_on={monday}&ends_on={monday + dt.timedelta(days=13)}"
    )
    context = browser.new_context(viewport=NARROW_PHONE, base_url=live_server.url)
    page = context.new_page()
    problems = audit(page, f"/book/clinic/{clinic.slug}/?day={monday}")
    problems += audit(page, f"/book/time/{free.pk}/")
    problems += audit(page, plan_url)
    log_in(page, "maya@example.com", DEFAULT_PASSWORD)
    for path in [
        f"/book/time/{free.pk}/",
        f"/book/mine/{booking.pk}/",
        f"/book/mine/{booking.pk}/move/?day={monday}",
        f"/book/mine/{booking.pk}/cancel/",
        f"/book/plans/{result.plan.pk}/",
        f"/book/plans/{result.plan.pk}/cancel/",
        plan_url,
        preview,
        "/book/mine/",
    ]:
        problems += audit(page, path)
    context.close()

    context = browser.new_context(viewport=NARROW_PHONE, base_url=live_server.url)
    page = context.new_page()
    log_in(page, rosa.user.email, DEFAULT_PASSWORD)
    problems += audit(page, "/book/sessions/")
    context.close()
    assert problems == [], "\n".join(problems)
