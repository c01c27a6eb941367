"""The login lock-out counts one person's guesses, whatever the letter case or the proxy."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.lockout import client_ip
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"
ANA = "198.51.100.7"


def log_in(http: Client, email: str, password: str, **headers):
    return http.post(LOGIN, {"username": email, "password": password}, **headers)


def through_proxy(forwarded_for: str) -> dict:
    """What our reverse proxy sends: its own address, and the sender's appended."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for}


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_IPS = [PROXY]


def test_wrong_passwords_in_any_letter_case_count_together(client):
    UserFactory(email="ana@x.com")
    for spelling in ("Ana@x.com", "ana@x.com", " ANA@X.COM ", "ana@X.com", "ANA@x.com"):
        log_in(client, spelling, "guess")

    response = log_in(client, "ana@x.com", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_through_the_proxy_only_the_attackers_address_is_locked(client, behind_one_proxy):
    UserFactory(email="ana@x.com")
    for _ in range(5):
        log_in(client, "ana@x.com", "guess", **through_proxy(ATTACKER))

    attacker = log_in(Client(), "ana@x.com", DEFAULT_PASSWORD, **through_proxy(ATTACKER))
    ana = log_in(Client(), "ana@x.com", DEFAULT_PASSWORD, **through_proxy(ANA))

    assert attacker.status_code == 429
    assert ana.status_code == 302


def test_an_address_forged_before_the_proxys_is_not_believed(rf, behind_one_proxy):
    request = rf.get("/", **through_proxy(f"{ANA}, {ATTACKER}"))

    assert client_ip(request) == ATTACKER


def test_a_forwarded_header_sent_straight_to_the_app_is_ignored(client, behind_one_proxy):
    UserFactory(email="ana@x.com")
    for index in range(5):
        log_in(
            client,
            "ana@x.com",
            "guess",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{index}",
        )

    still_locked = log_in(
        Client(), "ana@x.com", DEFAULT_PASSWORD, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=ANA
    )
    ana = log_in(Client(), "ana@x.com", DEFAULT_PASSWORD, **through_proxy(ANA))

    assert still_locked.status_code == 429
    assert ana.status_code == 302


def test_without_trusted_proxies_the_forwarded_header_is_ignored(rf):
    request = rf.get("/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=ANA)

    assert client_ip(request) == ATTACKER


def test_a_locked_account_can_reset_its_password_and_the_reset_unlocks_it(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="ana@x.com")
    for _ in range(5):
        log_in(client, "ana@x.com", "guess")
    assert log_in(client, "ana@x.com", DEFAULT_PASSWORD).status_code == 429

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "ana@x.com"})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-secret-2026", "new_password2": "a-new-long-secret-2026"},
    )

    response = log_in(Client(), "ana@x.com", "a-new-long-secret-2026")
    assert response.status_code == 302
