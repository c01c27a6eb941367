"""Her choice of channels, her consent to texts, and what the SMS provider tells us back.

Consent is recorded when SMS is first chosen (when, and how: her reminders page, the front
desk, a START text). A STOP text turns texts off at once: her choice falls back to e-mail
and every text not yet sent is cancelled in the same transaction, so nothing more leaves
(the outbox also checks her choice again just before each send).
"""

import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Booking, Reminder
from booking.services.reminders import schedule_reminders
from safety.models import PregnancyProfile

logger = logging.getLogger(__name__)

Channels = User.MessageChannels
# What Twilio reports about a text (``MessageStatus``), as the outbox records it.
DELIVERY_REPORTS = {
    "delivered": Reminder.Delivery.DELIVERED,
    "undelivered": Reminder.Delivery.FAILED,
    "failed": Reminder.Delivery.FAILED,
}
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})


def _cancel_unsent_texts(client: User) -> int:
    return Reminder.objects.filter(
        recipient=client,
        channel="sms",
        status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING],
    ).update(status=Reminder.Status.CANCELLED, claimed_until=None, updated_at=timezone.now())


@transaction.atomic
def set_message_channels(*, client: User, channels: str, via: str) -> User:
    """Save her choice (a ``User.MessageChannels``); record consent when texts are new.

    Her booked sessions follow at once: reminders on a newly chosen channel are written, and
    texts not yet sent are cancelled when she stops them.
    """
    wants_texts = channels in (Channels.SMS, Channels.BOTH)
    if wants_texts and "sms" not in client.channels:
        client.sms_opted_in_at = timezone.now()
        client.sms_opt_in_via = via
    client.message_channels = channels
    client.save(update_fields=["message_channels", "sms_opted_in_at", "sms_opt_in_via"])
    if not wants_texts:
        _cancel_unsent_texts(client)
    upcoming = Booking.objects.filter(
        client=client, status=Booking.Status.BOOKED, starts_at__gt=timezone.now()
    ).select_related("slot__therapist__clinic", "plan")
    for booking in upcoming:
        booking.client = client
        schedule_reminders(booking=booking)
    return client


def clients_with_number(number: str):
    return User.objects.filter(
        pk__in=PregnancyProfile.objects.filter(phone=number).values("client_id")
    )


@transaction.atomic
def handle_inbound_text(*, number: str, body: str) -> str:
    """A text she sent us: STOP turns texts off, START back on; anything else is ignored.

    Returns what was done ("stopped", "started" or "ignored") for the log.
    """
    word = body.strip().upper()
    if word in STOP_WORDS:
        for client in clients_with_number(number).select_for_update():
            # Back to e-mail only (skipped, for a caller the clinic registered without one).
            client.message_channels = Channels.EMAIL
            client.save(update_fields=["message_channels"])
            _cancel_unsent_texts(client)
        return "stopped"
    if word in START_WORDS:
        for client in clients_with_number(number).select_for_update():
            if "sms" not in client.channels:
                set_message_channels(
                    client=client,
                    channels=Channels.BOTH if client.email else Channels.SMS,
                    via="replied START",
                )
        return "started"
    return "ignored"


@transaction.atomic
def record_delivery(*, provider_id: str, status: str) -> int:
    """Record the provider's delivery receipt on the text it names; returns rows changed."""
    outcome = DELIVERY_REPORTS.get(status)
    if outcome is None or not provider_id:
        return 0
    return Reminder.objects.filter(channel="sms", provider_id=provider_id).update(
        delivery_status=outcome, delivery_reported_at=timezone.now(), updated_at=timezone.now()
    )
