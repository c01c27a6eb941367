"""What booking announces to the apps above it, sent inside the transaction of the change.

``slots_freed(slot_ids=[…])``: these slots may have become free to book (a cancellation, a
move away from them, a block lifted, new slots laid out). A receiver must not assume they
still are when it acts: the transaction may go on to block them (``block_slots`` cancels
first and blocks after), so it checks again once the transaction has committed.

``session_booked(booking=…)``: she booked a session (her waitlist entries that it fits end).
"""

from django.dispatch import Signal

slots_freed = Signal()
session_booked = Signal()
