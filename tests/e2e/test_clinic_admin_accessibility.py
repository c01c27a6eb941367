"""The clinic dashboard at 360 px: no sideways scrolling, no axe violations, big tap targets."""

import pytest
from django.core.management import call_command

from booking.demo import DEMO_PASSWORD
from booking.models import Slot
from clinics.models import Therapist
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import NARROW_PHONE, audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLINIC = "/clinics/dashboard/camden-bump-clinic"
SCHEDULE = "/clinics/dashboard/schedule/camden-bump-clinic"


def test_dashboard_pages_fit_a_narrow_phone_and_pass_axe(browser, live_server):
    call_command("seed_demo", verbosity=0)
    rosa = Therapist.objects.get(slug="rosa-lind")
    booked = Slot.objects.filter(therapist=rosa, bookings__status="booked").first()
    pages = [
        "/clinics/dashboard/",
        f"{CLINIC}/settings/",
        f"{CLINIC}/sessions/clearances/",
        f"{CLINIC}/sessions/holds/",
        f"{CLINIC}/therapists/",
        f"{CLINIC}/therapists/invite/",
        f"{CLINIC}/therapists/{rosa.pk}/",
        f"{SCHEDULE}/",
        f"{SCHEDULE}/generate/",
        f"{SCHEDULE}/days/?therapist={rosa.pk}&day={booked.starts_at.date()}",
        f"{SCHEDULE}/slots/{booked.pk}/",
        f"{SCHEDULE}/therapists/{rosa.pk}/hours/",
        f"{SCHEDULE}/therapists/{rosa.pk}/time-off/",
        f"{SCHEDULE}/therapists/{rosa.pk}/availability/",
    ]
    context = browser.new_context(viewport=NARROW_PHONE, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "admin.camden@bolster.example", DEMO_PASSWORD)

    problems = [problem for path in pages for problem in audit(page, path)]

    context.close()
    assert problems == [], "\n".join(problems)


def test_therapists_own_week_fits_a_narrow_phone_and_passes_axe(browser, live_server):
    call_command("seed_demo", verbosity=0)
    context = browser.new_context(viewport=NARROW_PHONE, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "rosa@bolster.example", DEMO_PASSWORD)

    problems = audit(page, "/clinics/dashboard/schedule/mine/")

    context.close()
    assert problems == [], "\n".join(problems)
