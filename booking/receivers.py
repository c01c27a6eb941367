"""Booking acts on what the apps below it announce.

Safety announces changes to her pregnancy details and her sessions follow them; accounts asks
for messages (an invitation, a password reset) and the outbox writes them.
"""

from django.dispatch import receiver

from accounts.models import User
from accounts.outgoing import message_requested
from booking.models import Booking, Reminder
from booking.services.flags import check_sessions_fit_due_date, reevaluate_future_bookings
from booking.services.outbox import notify
from safety import signals


@receiver(signals.due_date_changing, dispatch_uid="booking.refuse_due_date_before_sessions")
def refuse_due_date_before_sessions(sender, *, client, due_date, **kwargs) -> None:
    check_sessions_fit_due_date(client=client, due_date=due_date)


@receiver(signals.answers_changed, dispatch_uid="booking.reevaluate_future_bookings")
def reevaluate_her_sessions(sender, *, client, **kwargs) -> None:
    reevaluate_future_bookings(client=client)


@receiver(message_requested, dispatch_uid="booking.outbox")
def write_requested_message(
    sender, *, kind: str, recipient: User, booking_id=None, payload=None, **kwargs
) -> Reminder:
    booking = Booking.objects.get(pk=booking_id) if booking_id is not None else None
    return notify(kind=kind, recipient=recipient, booking=booking, payload=payload)
