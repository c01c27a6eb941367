"""A new client signs up on a phone and lands on her first step: her pregnancy."""

import pytest

from accounts.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_new_client_signs_up_and_lands_on_her_first_step(page, screenshot):
    page.goto("/")
    screenshot("1-home")
    page.get_by_role("link", name="Sign up").click()

    page.get_by_label("First name").fill("Maya")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("E-mail").fill("maya@example.com")
    page.locator("#id_password1").fill("a-Long-test-passw0rd")
    page.get_by_label("Password confirmation").fill("a-Long-test-passw0rd")
    screenshot("2-signup-form")
    page.get_by_role("button", name="Create my account").click()

    page.get_by_role("heading", name="My pregnancy & health").wait_for()
    assert page.get_by_role("navigation", name="Getting started").is_visible()
    assert "Welcome to Bolster, Maya!" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("3-her-home")
    assert User.objects.get(email="maya@example.com").role == User.Role.CLIENT
