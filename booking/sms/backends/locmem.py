"""Keeps texts in ``booking.sms.outbox`` for the tests, like Django's locmem e-mail backend."""

from booking import sms
from booking.sms.backends.base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def send(self, message) -> str:
        sms.outbox.append(message)
        return self.local_id()
