"""Sending text messages: a small backend interface shaped like Django's e-mail backends.

``get_connection()`` opens the backend named by ``SMS_BACKEND``; ``send(message)`` hands one
text to the provider and returns the provider's id for it (used to match delivery receipts).
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

# Out-box (test) backend's list, as ``django.core.mail.outbox``.
outbox: list["SmsMessage"] = []


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    # Where the provider reports delivered/failed; empty when we take no receipts.
    status_callback: str = ""


def get_connection(backend: str | None = None, **kwargs):
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)
