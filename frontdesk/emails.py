"""E-mails the front desk sends, one small function per message.

Sent after the transaction that made the account commits, so a rolled-back registration
never e-mails anybody.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from accounts.services import set_password_url
from clinics.models import Clinic

logger = logging.getLogger(__name__)


def send_client_invitation(*, client_id: int, clinic_id: int) -> None:
    """Her account exists: choose a password, then check and complete her health answers."""
    client = User.objects.get(pk=client_id)
    clinic = Clinic.objects.get(pk=clinic_id)
    context = {
        "client": client,
        "clinic": clinic,
        "link": set_password_url(client),
        "health_url": settings.SITE_URL + reverse("safety:intake"),
    }
    message = EmailMultiAlternatives(
        subject=f"{clinic.name} has made you a Bolster account",
        body=render_to_string("frontdesk/email/client_invitation.txt", context),
        to=[client.email],
        reply_to=[clinic.email],
    )
    message.attach_alternative(
        render_to_string("frontdesk/email/client_invitation.html", context), "text/html"
    )
    message.send()


def client_invited_after_commit(*, client_id: int, clinic_id: int) -> None:
    def run():
        try:
            send_client_invitation(client_id=client_id, clinic_id=clinic_id)
        except Exception:
            # Her account and bookings stand; staff can send the invitation again.
            logger.exception("Could not send the invitation to client %s", client_id)

    transaction.on_commit(run)
