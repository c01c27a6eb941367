"""A real Chromium (the system's), at a phone's viewport, driving the live server."""

import os
import re
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.models import User, normalise_email
from tests.conftest import confirmed_app_device, totp_code

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=PHONE_VIEWPORT, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    """``screenshot("step-name")`` saves test-output/screenshots/<test>-<step>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(step: str) -> Path:
        path = SCREENSHOT_DIR / f"{request.node.name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, email: str, password: str) -> None:
    """Log in through the page; staff then type the code of their (test) authenticator app."""
    user = User.objects.filter(email=normalise_email(email)).first()
    device = None
    if user is not None and mfa.needs_second_factor(user):
        device = confirmed_app_device(user)
        # Each code opens one login: a second login in the same 30 seconds needs a new one.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if device is not None:
        page.wait_for_url(re.compile(r"/accounts/second-factor/"))
        page.get_by_label("Code").fill(totp_code(device))
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()
