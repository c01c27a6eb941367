"""The notices a change to her sessions sends, each written as an outbox row in that change.

Called inside the service's transaction: a rolled-back booking writes no notice, a committed
one always has its notice, and the e-mail itself leaves from a worker (``outbox``), never
from the web request.
"""

from collections.abc import Sequence

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


def notify_session_blocked(booking: Booking) -> list[Reminder]:
    """She and her therapist learn that a booked session cannot go ahead as it stands."""
    return [
        notify(kind=Reminder.Notice.SESSION_BLOCKED, recipient=booking.client, booking=booking),
        notify(
            kind=Reminder.Notice.SESSION_BLOCKED_THERAPIST,
            recipient=booking.slot.therapist.user,
            booking=booking,
        ),
    ]


def notify_clinics_sessions_on_hold(bookings: Sequence[Booking]) -> list[Reminder]:
    """One e-mail to each clinic listing her sessions there that a red-flag answer put on hold.

    The row's recipient is she whom it is about (so it goes with her data); it is addressed to
    the clinic's own e-mail address (``booking.emails``).
    """
    by_clinic: dict[int, list[Booking]] = {}
    for booking in sorted(bookings, key=lambda booking: booking.starts_at):
        by_clinic.setdefault(booking.slot.therapist.clinic_id, []).append(booking)
    return [
        notify(
            kind=Reminder.Notice.SESSIONS_ON_HOLD_CLINIC,
            recipient=held[0].client,
            booking=held[0],
            payload={"booking_ids": [booking.pk for booking in held], "clinic_id": clinic_id},
        )
        for clinic_id, held in by_clinic.items()
    ]
