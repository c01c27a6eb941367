"""Booking, cancelling and moving single sessions."""

from accounts.models import User
from booking.models import Booking, Slot


def book_session(*, client: User, slot: Slot) -> Booking:
    """Book ``slot`` for ``client`` in one transaction: safety, flags, reminders, e-mail."""
    raise NotImplementedError


def cancel_booking(
    *, booking: Booking, by: str, reason: str = "", enforce_notice: bool = True
) -> Booking:
    """Cancel one session (``by`` is a ``Booking.CancelledBy``), its reminders, and tell her."""
    raise NotImplementedError
