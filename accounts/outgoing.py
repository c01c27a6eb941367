"""How apps below ``booking`` ask for a message to be sent, without importing the outbox.

The outbox lives in ``booking``, above accounts, so accounts cannot import it. It calls
``request_message`` inside its own transaction instead; the outbox listens
(``booking.receivers``) and writes the row in that same transaction, so the message leaves
only if the change commits, from a worker, never from the web request.
"""

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

# Sent with kind, recipient (a User), booking_id (or None) and payload (a JSON-able dict).
message_requested = Signal()


def request_message(*, kind: str, recipient, booking_id: int | None = None, payload=None):
    """Have the outbox send ``kind`` to ``recipient`` once the current transaction commits."""
    written = message_requested.send(
        sender=None, kind=kind, recipient=recipient, booking_id=booking_id, payload=payload or {}
    )
    if not written:
        # Without a listener the message would silently vanish; fail loudly instead.
        raise ImproperlyConfigured("No outbox is listening for outgoing messages")
    return written[0][1]
