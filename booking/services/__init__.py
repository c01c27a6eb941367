"""State-changing operations of the booking app, one module per family (as pretix does).

Import them from here: ``from booking.services import book_session``.
"""

from booking.services.attendance import mark_attendance
from booking.services.bookings import book_session, cancel_booking, move_booking
from booking.services.plans import book_plan, cancel_plan, preview_plan
from booking.services.reminders import cancel_reminders, schedule_reminders
from booking.services.slots import (
    block_slots,
    ensure_slots_for_horizon,
    generate_slots,
    unblock_slots,
)

__all__ = [
    "block_slots",
    "book_plan",
    "book_session",
    "cancel_booking",
    "cancel_plan",
    "cancel_reminders",
    "ensure_slots_for_horizon",
    "generate_slots",
    "mark_attendance",
    "move_booking",
    "preview_plan",
    "schedule_reminders",
    "unblock_slots",
]
