"""Sign-up, login, logout, password reset and the login rate limit."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_client_signs_up_and_lands_on_her_home_page(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "first_name": "Maya",
            "last_name": "Okafor",
            "email": "Maya@Example.com",
            "password1": DEFAULT_PASSWORD,
            "password2": DEFAULT_PASSWORD,
        },
        follow=True,
    )
    user = User.objects.get()
    assert user.email == "maya@example.com"
    assert user.role == User.Role.CLIENT
    # Her home is My bookings; with nothing booked and nothing told yet, her first step.
    assert response.redirect_chain[0][0] == reverse("accounts:home")
    assert response.redirect_chain[-1][0].startswith(reverse("safety:profile"))
    assert "Welcome to Bolster, Maya!" in response.content.decode()


def test_signup_with_a_taken_email_answers_like_a_new_one_and_e_mails_its_owner(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="maya@example.com", password="her-own-secret-2026")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:signup"),
            {
                "first_name": "Maya",
                "email": "MAYA@example.com",
                "password1": DEFAULT_PASSWORD,
                "password2": DEFAULT_PASSWORD,
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    assert "already exists" not in response.content.decode()
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session
    (sent,) = mail.outbox
    assert sent.to == ["maya@example.com"]
    assert sent.subject == "You already have a Bolster account"


def test_signup_refuses_mismatched_passwords(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "first_name": "Maya",
            "email": "maya@example.com",
            "password1": DEFAULT_PASSWORD,
            "password2": "something-else-entirely",
        },
    )
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode()
    assert not User.objects.exists()


def test_login_with_email_and_logout(client):
    user = UserFactory(email="maya@example.com")
    response = client.post(
        reverse("accounts:login"), {"username": "maya@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)

    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_refused_with_a_message(client):
    UserFactory(email="maya@example.com")
    response = client.post(
        reverse("accounts:login"), {"username": "maya@example.com", "password": "nope"}
    )
    assert response.status_code == 200
    assert "Please enter a correct e-mail address and password" in response.content.decode()


def test_password_reset_email_link_sets_a_new_password(client, django_capture_on_commit_callbacks):
    UserFactory(email="maya@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "maya@example.com"})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maya@example.com"]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]
    client.post(
        set_password_url,
        {"new_password1": "a-brand-new-passw0rd", "new_password2": "a-brand-new-passw0rd"},
    )

    response = client.post(
        reverse("accounts:login"),
        {"username": "maya@example.com", "password": "a-brand-new-passw0rd"},
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.com"}, follow=True
    )
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox == []


def test_login_is_locked_after_five_wrong_passwords(client):
    UserFactory(email="maya@example.com")
    for _ in range(5):
        client.post(
            reverse("accounts:login"), {"username": "maya@example.com", "password": "guess"}
        )

    response = client.post(
        reverse("accounts:login"), {"username": "maya@example.com", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_invitation_email_is_sent_on_commit(
    clinic, clinic_admin, django_capture_on_commit_callbacks
):
    from accounts.services import invite_staff

    with django_capture_on_commit_callbacks(execute=True):
        invite_staff(
            email="new.therapist@example.com",
            first_name="Nia",
            invited_by=clinic_admin,
            clinic_name=clinic.name,
        )

    assert len(mail.outbox) == 1
    assert "/accounts/invite/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives  # an HTML part as well as the text


def test_invitation_link_lets_her_choose_a_password_and_logs_her_in(
    client, clinic, clinic_admin, django_capture_on_commit_callbacks
):
    from accounts.services import invite_staff

    with django_capture_on_commit_callbacks(execute=True):
        invite_staff(
            email="nia@example.com", first_name="Nia", invited_by=clinic_admin, clinic_name="C"
        )
    link = re.search(r"https?://[^/\s]+(/accounts/invite/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "nia-chooses-a-passw0rd", "new_password2": "nia-chooses-a-passw0rd"},
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="nia@example.com").pk)
