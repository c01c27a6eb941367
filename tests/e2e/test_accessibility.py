"""Client-facing pages at 360 px: no sideways scrolling, no axe-core violations, big tap targets."""

from pathlib import Path

import pytest
from django.core.management import call_command

from booking.demo import CLIENT_EMAIL, DEMO_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
NARROW_PHONE = {"width": 360, "height": 740}
MIN_TAP_TARGET_PX = 44

PUBLIC_PAGES = [
    "/",
    "/accounts/signup/",
    "/accounts/login/",
    "/accounts/password-reset/",
    "/book/",
    "/book/clinic/camden-bump-clinic/",
]
CLIENT_PAGES = [
    "/book/mine/",
    "/health/profile/",
    "/health/account/",
    "/book/reminders/",
    "/waitlist/clinic/camden-bump-clinic/join/",
    "/waitlist/mine/",
]

# Stand-alone controls shorter than 44 px; links inside running text are exempt (WCAG 2.5.8).
SMALL_TAP_TARGETS_JS = """
(min) => [...document.querySelectorAll(
    'main a, main button, main input, main select, header a, header summary, header button')]
  .filter(el => el.offsetParent !== null && el.type !== 'hidden')
  .filter(el => !el.closest('p, li:not(.list-group-item), td, label, .form-text'))
  .map(el => ({el, box: el.getBoundingClientRect()}))
  .filter(({box}) => box.height < min - 0.5)
  .map(({el, box}) =>
    `${el.tagName} "${(el.innerText || el.name || '').trim().slice(0, 40)}" ${box.height}px`)
"""


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def audit(page, path: str) -> list[str]:
    page.goto(path)
    problems = []
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > NARROW_PHONE["width"]:
        problems.append(f"{path}: {scroll_width}px wide, needs horizontal scrolling")
    # Evaluated by the browser's devtools, which the content policy does not cover (a script
    # tag with axe inline would be refused, as it should be).
    page.evaluate(AXE_SCRIPT.read_text())
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    problems += [
        f"{path}: axe {v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in violations
    ]
    problems += [
        f"{path}: small tap target {t}"
        for t in page.evaluate(SMALL_TAP_TARGETS_JS, MIN_TAP_TARGET_PX)
    ]
    return problems


def test_public_pages_fit_a_narrow_phone_and_pass_axe(browser, live_server, demo):
    context = browser.new_context(viewport=NARROW_PHONE, base_url=live_server.url)
    page = context.new_page()

    problems = [problem for path in PUBLIC_PAGES for problem in audit(page, path)]

    context.close()
    assert problems == []


def test_client_pages_fit_a_narrow_phone_and_pass_axe(browser, live_server, demo):
    context = browser.new_context(viewport=NARROW_PHONE, base_url=live_server.url)
    page = context.new_page()
    log_in(page, CLIENT_EMAIL, DEMO_PASSWORD)

    problems = [problem for path in CLIENT_PAGES for problem in audit(page, path)]

    context.close()
    assert problems == []
