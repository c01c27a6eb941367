"""Operations on accounts: inviting staff and sending password-reset links."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User, normalise_email
from accounts.outgoing import request_message


def set_password_url(user: User, *, url_name: str = "accounts:invite_accept") -> str:
    """An absolute, single-use link for ``user`` to choose a password."""
    path = reverse(
        url_name,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def invite_staff(
    *, email: str, first_name: str, last_name: str = "", invited_by: User, clinic_name: str
) -> User:
    """Create (or reuse) the account for a new staff member and e-mail her a set-password link.

    The caller attaches the returned user to the clinic in the same transaction; the
    invitation is an outbox row of that transaction, sent by a worker once it commits (the
    link is made at send time, so no token is stored).
    """
    user, created = User.objects.get_or_create(
        email=normalise_email(email),
        defaults={"first_name": first_name, "last_name": last_name},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    request_message(
        kind="invitation",
        recipient=user,
        payload={"invited_by_id": invited_by.pk, "clinic_name": clinic_name},
    )
    return user


@transaction.atomic
def request_password_reset(*, users: Iterable[User]) -> None:
    """Queue a reset e-mail for each account (the form found them by the address she typed)."""
    for user in users:
        request_message(kind="password_reset", recipient=user)


def sign_up(*, email: str, password: str, first_name: str, last_name: str = "") -> User | None:
    """Create a client's account; ``None`` when the address already has one.

    The sign-up page must not tell a stranger which addresses have accounts, so a taken
    address is answered like a new one, and its owner is e-mailed instead ("someone tried
    to sign up with your address: log in or reset your password"). Three identical submits
    at once (a double-click) end with one account: the others find it made.
    """
    email = normalise_email(email)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                return User.objects.create_user(
                    email=email, password=password, first_name=first_name, last_name=last_name
                )
        except IntegrityError:
            return None
    if not existing.check_password(password):
        with transaction.atomic():
            request_message(kind="account_exists", recipient=existing)
    return None
