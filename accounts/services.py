"""Operations on accounts: signing up clients and inviting staff."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User


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
    e-mail leaves only once that transaction commits.
    """
    user, created = User.objects.get_or_create(
        email=email.strip().lower(),
        defaults={"first_name": first_name, "last_name": last_name},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    context = {
        "user": user,
        "invited_by": invited_by,
        "clinic_name": clinic_name,
        "link": set_password_url(user),
    }
    message = EmailMultiAlternatives(
        subject=f"You're invited to {clinic_name} on Bolster",
        body=render_to_string("accounts/email/invitation.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("accounts/email/invitation.html", context), "text/html"
    )
    transaction.on_commit(message.send)
    return user
