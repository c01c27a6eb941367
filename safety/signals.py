"""Signals other apps listen to, so that safety never has to import them."""

from django.dispatch import Signal

# Sent inside the transaction that changes a client's due date, before her future sessions are
# re-evaluated. Arguments: ``client``, ``old_due_date``, ``new_due_date``. A receiver returns
# the address of a page showing what it changed for her, or ``None``.
due_date_changed = Signal()
