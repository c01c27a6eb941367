"""Signals safety sends when her pregnancy details change, for the layers above it.

Safety knows nothing of bookings; booking subscribes to these to keep her sessions right.
Both are sent inside the transaction that saves the change, so a receiver's error (or
its writes) commit or roll back with it.
"""

from django.dispatch import Signal

# Sent before a due date is saved, with ``client`` and the new ``due_date``. A receiver
# refuses the date by raising ``safety.services.DatingError``.
due_date_changing = Signal()

# Sent after her due date or her health answers changed, with ``client``: her future
# sessions are evaluated again.
answers_changed = Signal()
