"""On a phone: she chooses texts as well as e-mail on her reminders page, agreeing to them."""

import pytest

from accounts.models import User
from tests.booking.conftest import make_ready_client
from tests.e2e.conftest import log_in
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_she_turns_texts_on_with_her_consent(page, screenshot):
    make_ready_client(email="maya@example.com", first_name="Maya")
    log_in(page, "maya@example.com", DEFAULT_PASSWORD)
    page.goto("/book/reminders/")

    page.get_by_label("E-mail and text message").check()
    page.get_by_label("Your mobile number").fill("07400 900777")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Tick the box to agree to texts").wait_for()
    screenshot("consent-needed")

    page.get_by_label("I agree to get text messages").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("You agreed to texts on").wait_for()
    screenshot("texts-on")

    maya = User.objects.get(email="maya@example.com")
    assert maya.message_channels == "both" and maya.sms_opt_in_via == "reminders page"
    assert str(maya.pregnancy_profile.phone) == "+447400900777"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
