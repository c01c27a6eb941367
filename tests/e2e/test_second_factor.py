"""A new therapist's first login on a phone: she sets up her authenticator app first."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import totp_code
from tests.factories import DEFAULT_PASSWORD, TherapistFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_therapist_sets_up_her_second_factor_before_her_sessions(page, screenshot):
    therapist = TherapistFactory(user__email="rosa@example.com")
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill("rosa@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Protect your clients' records").wait_for()
    assert page.locator(".qr-code svg").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("1-set-up")
    device = TOTPDevice.objects.get(user=therapist.user, confirmed=False)
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Turn on").click()

    page.get_by_role("heading", name="Recovery codes").wait_for()
    codes = page.locator("ul.font-monospace li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{8}", code) for code in codes)
    screenshot("2-recovery-codes")
    page.get_by_role("link", name="I've saved them: continue").click()

    page.wait_for_url(re.compile(r"/book/sessions/$"))
    screenshot("3-her-day")
