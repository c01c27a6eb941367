"""Staff's second factor: an authenticator app (TOTP) and single-use recovery codes.

Built on django-otp, which adds devices and verification to the login the project already
has (its own login view, django-axes' lock-out, the outbox's password resets). django-allauth's
MFA would bring its own login and account flows in their place.
"""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from common.errors import DomainError

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class WrongCode(DomainError):
    default_message = "That code is not right, or has been used. Please try again."


def needs_second_factor(user: User) -> bool:
    """Therapists, clinic admins and operators read many clients' health data."""
    return user.is_authenticated and (user.is_staff or user.role != User.Role.CLIENT)


def has_second_factor(user: User) -> bool:
    return any(devices_for_user(user, confirmed=True))


def is_verified(request) -> bool:
    """This login passed the second factor (kept in the session, so no query per page)."""
    return DEVICE_ID_SESSION_KEY in request.session


def pending_app_device(user: User) -> TOTPDevice:
    """The authenticator-app key she is setting up (made once, shown until confirmed)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": APP_DEVICE_NAME}
    )
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` link as an inline SVG QR code, for the phone's camera."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


def readable_key(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[index : index + 4] for index in range(0, len(key), 4))


@transaction.atomic
def confirm_app(*, request, device: TOTPDevice, code: str) -> list[str]:
    """Her first code proves the app holds the key: the device counts from now on, this
    login is verified, and she gets a fresh set of recovery codes (returned, shown once)."""
    if not device.verify_token(_digits(code)):
        raise WrongCode()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    _mark_verified(request, device)
    return new_recovery_codes(user=device.user)


@transaction.atomic
def new_recovery_codes(*, user: User) -> list[str]:
    """Replace her recovery codes; each opens one login, once."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": RECOVERY_DEVICE_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify(*, request, code: str) -> None:
    """A code from her app, or one of her recovery codes (used up by this)."""
    cleaned = code.strip().replace(" ", "").lower()
    device = match_token(request.user, cleaned)
    if device is None:
        raise WrongCode()
    _mark_verified(request, device)


def _digits(code: str) -> str:
    return "".join(character for character in code if character.isdigit())


def _mark_verified(request, device) -> None:
    # A new session key with the raised trust: one seen before the code proves nothing.
    request.session.cycle_key()
    otp_login(request, device)
