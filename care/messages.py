"""The messages a hold sends: one small function per kind, each sent after the commit.

A rolled-back check-in sends nothing, and a mail server hiccup never undoes the hold: the
hold shows on the therapist's day and on the session either way.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from care.models import SessionHold
from safety import engine

logger = logging.getLogger(__name__)


def _hold_context(hold: SessionHold) -> dict:
    booking = hold.booking
    clinic = booking.slot.therapist.clinic
    return {
        "hold": hold,
        "booking": booking,
        "clinic": clinic,
        "therapist": booking.slot.therapist,
        "client": booking.client,
        "starts_at": timezone.localtime(booking.starts_at, clinic.tz),
        "answers": [engine.CONDITIONS[code].question for code in hold.red_flags],
        "session_url": settings.SITE_URL
        + reverse("care:session", kwargs={"booking_id": booking.pk}),
    }


def _load(hold_id: int) -> SessionHold:
    return SessionHold.objects.select_related(
        "booking__client", "booking__slot__therapist__clinic", "booking__slot__therapist__user"
    ).get(pk=hold_id)


def _send(*, template: str, hold: SessionHold, recipient: str) -> None:
    context = _hold_context(hold)
    message = EmailMultiAlternatives(
        subject=render_to_string(f"care/email/{template}_subject.txt", context).strip(),
        body=render_to_string(f"care/email/{template}.txt", context),
        to=[recipient],
        reply_to=[context["clinic"].email],
    )
    message.attach_alternative(
        render_to_string(f"care/email/{template}.html", context), "text/html"
    )
    message.send()


def send_hold_to_therapist(*, hold_id: int) -> None:
    """Her therapist: the session is on hold, why, and where to record what happened."""
    hold = _load(hold_id)
    _send(template="hold_therapist", hold=hold, recipient=hold.booking.slot.therapist.user.email)


def send_hold_to_clinic(*, hold_id: int) -> None:
    """The clinic's own address, so the front desk can call her and free the time."""
    hold = _load(hold_id)
    _send(template="hold_clinic", hold=hold, recipient=hold.booking.slot.therapist.clinic.email)


def hold_placed_after_commit(*, hold_id: int) -> None:
    for send in (send_hold_to_therapist, send_hold_to_clinic):
        transaction.on_commit(lambda send=send: _logged(send, hold_id=hold_id))


def _logged(send, **kwargs) -> None:
    try:
        send(**kwargs)
    except Exception:
        logger.exception("Could not send %s for %s", send.__name__, kwargs)
