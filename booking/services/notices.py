"""The notices a change to her sessions sends, each written as an outbox row in that change.

Called inside the service's transaction: a rolled-back booking writes no notice, a committed
one always has its notice, and the e-mail itself leaves from a worker (``outbox``), never
from the web request.
"""

from collections.abc import Sequence

from django.dispatch import receiver

from accounts.models import User
from accounts.outgoing import message_requested
from booking.models import Booking, Reminder
from booking.services.outbox import notify


def notify_booked(bookings: Sequence[Booking]) -> Reminder | None:
    """One confirmation for a single session or for every session of a plan."""
    if not bookings:
        return None
    first = min(bookings, key=lambda booking: booking.starts_at)
    return notify(
        kind=Reminder.Notice.BOOKED,
        recipient=first.client,
        booking=first,
        payload={"booking_ids": [booking.pk for booking in bookings]},
    )


def notify_moved(*, old: Booking, new: Booking) -> Reminder:
    return notify(
        kind=Reminder.Notice.MOVED, recipient=new.client, booking=new, payload={"old_id": old.pk}
    )


def notify_cancelled(bookings: Sequence[Booking], *, by: str, reason: str = "") -> Reminder | None:
    """One e-mail for the sessions cancelled together (``by`` is a ``Booking.CancelledBy``)."""
    if not bookings:
        return None
    first = min(bookings, key=lambda booking: booking.starts_at)
    return notify(
        kind=Reminder.Notice.CANCELLED,
        recipient=first.client,
        booking=first,
        payload={"booking_ids": [booking.pk for booking in bookings], "by": by, "reason": reason},
    )


@receiver(message_requested, dispatch_uid="booking.outbox")
def _write_requested_message(
    sender, *, kind: str, recipient: User, booking_id=None, payload=None, **kwargs
) -> Reminder:
    """Apps below booking (accounts, safety) ask for messages through ``accounts.outgoing``."""
    booking = None
    if booking_id is not None:
        booking = Booking.objects.get(pk=booking_id)
    return notify(kind=kind, recipient=recipient, booking=booking, payload=payload)
