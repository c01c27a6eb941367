"""Staff logins: a second factor before any health data, and sessions that time out."""

import datetime as dt
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import confirmed_app_device, totp_code
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.second_factor]

MORNING = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


def log_in(http, user):
    response = http.post(
        reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return response


def staff_pages(booking_id: int, clinic_slug: str) -> list[str]:
    return [
        reverse("sessions:day"),
        reverse("sessions:review", kwargs={"booking_id": booking_id}),
        reverse("sessions:client_intake", kwargs={"booking_id": booking_id}),
        reverse("care:note", kwargs={"booking_id": booking_id}),
        reverse("frontdesk:day", kwargs={"slug": clinic_slug}),
    ]


def test_a_therapist_without_a_second_factor_is_sent_to_set_one_up(client, therapist):
    log_in(client, therapist.user)

    for url in staff_pages(1, therapist.clinic.slug):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('accounts:mfa_setup')}?next={url}"


def test_an_operator_needs_a_second_factor_for_the_admin(client, operator):
    client.force_login(operator)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:mfa_setup"))


def test_setting_up_the_app_shows_a_qr_code_then_recovery_codes(client, therapist):
    log_in(client, therapist.user)
    setup_url = f"{reverse('accounts:mfa_setup')}?next={reverse('sessions:day')}"

    page = client.get(setup_url).content.decode()
    assert "<svg" in page and "<path" in page
    device = TOTPDevice.objects.get(user=therapist.user, confirmed=False)
    wrong = client.post(setup_url, {"code": "000000" if totp_code(device) != "000000" else "1"})
    assert "That code is not right" in wrong.content.decode()

    done = client.post(setup_url, {"code": totp_code(device)})

    codes = re.findall(r"<li>([a-z0-9]{8})</li>", done.content.decode())
    assert len(codes) == 10
    assert f'href="{reverse("sessions:day")}"' in done.content.decode()
    assert client.get(reverse("sessions:day")).status_code == 200


def test_each_login_asks_for_a_code_from_the_app(client, therapist):
    device = confirmed_app_device(therapist.user)
    log_in(client, therapist.user)
    assert client.get(reverse("sessions:day"))["Location"].startswith(
        reverse("accounts:mfa_verify")
    )

    response = client.post(
        f"{reverse('accounts:mfa_verify')}?next={reverse('sessions:day')}",
        {"code": totp_code(device)},
    )

    assert response["Location"] == reverse("sessions:day")
    assert client.get(reverse("sessions:day")).status_code == 200


def test_recovery_codes_work_once_each(client, therapist, frozen_clock):
    from accounts.mfa import new_recovery_codes

    confirmed_app_device(therapist.user)
    first, second, *_ = new_recovery_codes(user=therapist.user)
    verify_url = reverse("accounts:mfa_verify")

    log_in(client, therapist.user)
    assert client.post(verify_url, {"code": first})["Location"] == reverse("accounts:home")
    client.logout()
    log_in(client, therapist.user)
    again = client.post(verify_url, {"code": first})
    assert again.status_code == 200
    assert "That code is not right, or has been used" in again.content.decode()
    # A wrong code slows the next try down for a few seconds (django-otp's throttling).
    frozen_clock(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))
    assert client.post(verify_url, {"code": f" {second.upper()} "}).status_code == 302
    assert StaticToken.objects.filter(device__user=therapist.user).count() == 8


def test_an_idle_staff_session_expires_after_30_minutes(client, therapist, frozen_clock):
    frozen_clock(MORNING)
    client.force_login(therapist.user)
    confirmed_app_device(therapist.user)
    session = client.session
    session["otp_device_id"] = confirmed_app_device(therapist.user).persistent_id
    session.save()
    assert client.get(reverse("sessions:day")).status_code == 200

    frozen_clock(MORNING + dt.timedelta(minutes=29))
    assert client.get(reverse("sessions:day")).status_code == 200
    frozen_clock(MORNING + dt.timedelta(minutes=29 + 31))
    response = client.get(reverse("sessions:day"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert SESSION_KEY not in client.session


def test_a_busy_staff_session_still_ends_after_ten_hours(client, therapist, frozen_clock):
    frozen_clock(MORNING)
    client.force_login(therapist.user)
    session = client.session
    session["otp_device_id"] = confirmed_app_device(therapist.user).persistent_id
    session.save()
    for minutes in range(0, 10 * 60, 20):
        frozen_clock(MORNING + dt.timedelta(minutes=minutes))
        assert client.get(reverse("sessions:day")).status_code == 200, minutes

    frozen_clock(MORNING + dt.timedelta(hours=10, minutes=1))

    assert client.get(reverse("sessions:day"))["Location"].startswith(reverse("accounts:login"))


def test_a_staff_cookie_lasts_ten_hours(client, therapist):
    log_in(client, therapist.user)

    assert client.session.get_expiry_age() == 10 * 60 * 60


def test_her_health_pages_ask_for_her_password_again_after_a_day(client, client_user, frozen_clock):
    frozen_clock(MORNING)
    log_in(client, client_user)
    assert client.get(reverse("safety:profile")).status_code == 200
    frozen_clock(MORNING + dt.timedelta(days=1, minutes=1))

    asked = client.get(reverse("safety:profile"))
    assert asked["Location"] == f"{reverse('accounts:reauthenticate')}?next=/health/profile/"
    assert client.get(reverse("booking:clinics")).status_code == 200
    wrong = client.post(asked["Location"], {"password": "not-her-password"})
    assert "That password is not right" in wrong.content.decode()
    right = client.post(asked["Location"], {"password": DEFAULT_PASSWORD})

    assert right["Location"] == reverse("safety:profile")
    assert client.get(reverse("safety:profile")).status_code == 200
