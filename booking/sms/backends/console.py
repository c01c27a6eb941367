"""Prints each text on standard output (``make run``'s default)."""

import sys
import threading

from booking.sms.backends.base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    _lock = threading.Lock()

    def __init__(self, stream=None, **kwargs):
        self.stream = stream or sys.stdout

    def send(self, message) -> str:
        sid = self.local_id()
        with self._lock:
            self.stream.write(f"SMS to {message.to} ({sid}):\n{message.body}\n{'-' * 40}\n")
            self.stream.flush()
        return sid
