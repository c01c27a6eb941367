"""The notices a hold sends through the outbox: one small function per kind.

Each is an outbox row written in the check-in's transaction, so a rolled-back check-in
tells nobody and a committed hold always has its notices; a worker sends them.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from booking.emails import notice_email
from booking.models import Reminder
from booking.services.outbox import notify
from care.models import SessionHold
from safety import engine

HOLD_THERAPIST = "hold_therapist"
HOLD_CLINIC = "hold_clinic"


def notify_hold_to_therapist(hold: SessionHold) -> Reminder:
    """Her therapist: the session is on hold, why, and where to record what happened."""
    booking = hold.booking
    return notify(
        kind=HOLD_THERAPIST,
        recipient=booking.slot.therapist.user,
        booking=booking,
        payload={"hold_id": hold.pk},
    )


def notify_hold_to_clinic(hold: SessionHold) -> list[Reminder]:
    """Each admin of the clinic, so the front desk can call her and free the time."""
    booking = hold.booking
    return [
        notify(kind=HOLD_CLINIC, recipient=admin, booking=booking, payload={"hold_id": hold.pk})
        for admin in booking.slot.therapist.clinic.admins.all()
    ]


def _hold_message(reminder: Reminder, *, template: str) -> EmailMultiAlternatives:
    hold = SessionHold.objects.select_related(
        "booking__client", "booking__slot__therapist__clinic"
    ).get(pk=reminder.payload["hold_id"])
    booking = hold.booking
    clinic = booking.slot.therapist.clinic
    context = {
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
    return notice_email(
        reminder,
        template=f"care/email/{template}",
        subject=render_to_string(f"care/email/{template}_subject.txt", context),
        context=context,
        reply_to=clinic.email,
    )


def hold_message_to_therapist(reminder: Reminder) -> EmailMultiAlternatives:
    return _hold_message(reminder, template="hold_therapist")


def hold_message_to_clinic(reminder: Reminder) -> EmailMultiAlternatives:
    return _hold_message(reminder, template="hold_clinic")
