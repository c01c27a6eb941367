"""The reminder outbox: rows written with each booking, sent once by Celery."""

from booking.models import Booking, Reminder


def schedule_reminders(*, booking: Booking) -> list[Reminder]:
    """Write the reminder rows of a new booking (same transaction as the booking)."""
    raise NotImplementedError


def cancel_reminders(*, booking: Booking) -> int:
    """Cancel the pending reminders of a cancelled or moved booking; return how many."""
    raise NotImplementedError
