"""One regression test per kind of input that once ended in a server error or was wrongly
stored: each is now refused beside its field, or answered as the success it was."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import User
from backoffice.forms import (
    ClinicSettingsForm,
    SlotRangeForm,
    TherapistInviteForm,
    TherapistProfileForm,
)
from safety.forms import ClearanceForm, PregnancyProfileForm
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.safety.test_views import intake_data, profile_data

pytestmark = pytest.mark.django_db

HUNDRED_KB = "x" * 100_000


def signup_data(**overrides):
    data = {
        "first_name": "Ana",
        "last_name": "Reyes",
        "email": "ana@example.com",
        "password1": DEFAULT_PASSWORD,
        "password2": DEFAULT_PASSWORD,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("url_name", ["safety:profile", "safety:intake"])
def test_a_next_without_a_slash_saves_and_goes_to_her_page(client, client_user, url_name):
    client.force_login(client_user)
    data = profile_data() if url_name == "safety:profile" else intake_data()

    response = client.post(f"{reverse(url_name)}?next=x", data)

    assert response.status_code == 302
    assert response["Location"].startswith("/health/")


def test_sign_up_with_a_next_without_a_slash_lands_on_her_home_page(client):
    response = client.post(f"{reverse('accounts:signup')}?next=x", signup_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    assert User.objects.filter(email="ana@example.com").exists()


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_login_e_mail_longer_than_any_address_is_refused_beside_the_field(client, url):
    response = client.post(url, {"username": "a" * 300 + "@example.com", "password": "x"})

    assert response.status_code == 200
    assert "at most 254 characters" in response.content.decode() or url.startswith("/admin")


def test_the_same_address_in_other_unicode_letters_is_one_account(client):
    first = client.post(reverse("accounts:signup"), signup_data(email="\uff21na@Example.com"))
    assert first.status_code == 302
    client.logout()
    client.post(reverse("accounts:signup"), signup_data(email=" ANA@example.com "))

    assert list(User.objects.values_list("email", flat=True)) == ["ana@example.com"]


def test_a_null_byte_in_a_name_is_refused_beside_the_field(client):
    response = client.post(reverse("accounts:signup"), signup_data(first_name="An\x00a"))

    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("issued_on", "0001-01-01"), ("valid_until", "9999-12-31")],
)
def test_a_clearance_dated_outside_this_century_is_refused(field, value):
    today = dt.date(2026, 5, 4)
    data = {"code": "x", "issued_by": "Dr Reyes", "issued_on": "2026-05-01", field: value}

    form = ClearanceForm(data, flags=[], today=today)

    assert not form.is_valid()
    assert field in form.errors


def test_a_clearance_note_of_100_kb_is_refused():
    data = {"issued_by": "Dr Reyes", "issued_on": "2026-05-01", "note": HUNDRED_KB}

    form = ClearanceForm(data, flags=[], today=dt.date(2026, 5, 4))

    assert "at most 2000 characters" in form.errors["note"][0]


def test_a_year_one_last_period_is_refused_even_with_a_due_date(client_user):
    due = timezone.localdate() + dt.timedelta(weeks=20)
    data = profile_data(due_date=due.isoformat(), last_period_started_on="0001-01-01")

    form = PregnancyProfileForm(data, today=timezone.localdate())

    assert not form.is_valid()
    assert "from 2000 on" in form.errors["last_period_started_on"][0]


def test_a_clinic_address_of_100_kb_is_refused(clinic):
    form = ClinicSettingsForm({"address": HUNDRED_KB}, instance=clinic)

    assert "at most 500 characters" in form.errors["address"][0]


def test_a_therapist_bio_of_100_kb_is_refused(therapist):
    invite = TherapistInviteForm({"bio": HUNDRED_KB})
    profile = TherapistProfileForm({"display_name": "Rosa", "bio": HUNDRED_KB}, instance=therapist)

    assert "at most 2000 characters" in invite.errors["bio"][0]
    assert "at most 2000 characters" in profile.errors["bio"][0]


def test_a_photo_over_the_size_cap_is_refused(therapist, settings):
    settings.THERAPIST_PHOTO_MAX_BYTES = 50_000
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 100).convert("RGB").save(buffer, "PNG")
    assert buffer.tell() > 50_000
    photo = SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")

    form = TherapistProfileForm({"display_name": "Rosa"}, {"photo": photo}, instance=therapist)

    assert "too large" in form.errors["photo"][0]


def test_a_tampered_block_action_is_answered_with_a_message(clinic):
    data = {"starts_on": "2026-05-04", "ends_on": "2026-05-05", "action": "explode"}

    form = SlotRangeForm(data, clinic=clinic)

    assert not form.is_valid()
    assert "only block or reopen" in form.non_field_errors()[0]


def test_a_tampered_block_action_shows_its_message_on_the_page(client, clinic, clinic_admin):
    client.force_login(clinic_admin)
    url = reverse("schedule:range", kwargs={"slug": clinic.slug})

    response = client.post(
        url, {"starts_on": "2030-05-06", "ends_on": "2030-05-07", "action": "explode"}
    )

    assert response.status_code == 200
    assert "only block or reopen" in response.content.decode()


def test_a_taken_address_at_sign_up_is_answered_like_a_new_one(client, worker):
    UserFactory(email="ana@example.com", password="her-own-secret-2026")

    response = client.post(reverse("accounts:signup"), signup_data(email="Ana@Example.com"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    assert User.objects.count() == 1
    owner = User.objects.get()
    assert owner.messages.filter(kind="account_exists").exists()


def test_a_password_reset_finds_her_account_however_the_address_is_typed(client):
    ana = UserFactory(email="ana@example.com")

    client.post(reverse("accounts:password_reset"), {"email": " \uff21NA@Example.com "})

    assert ana.messages.filter(kind="password_reset").exists()
