"""Writes each text to its own file under ``SMS_FILE_PATH``."""

import json
from pathlib import Path

from django.conf import settings

from booking.sms.backends.base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def __init__(self, file_path: str | None = None, **kwargs):
        self.path = Path(file_path or settings.SMS_FILE_PATH)
        self.path.mkdir(parents=True, exist_ok=True)

    def send(self, message) -> str:
        sid = self.local_id()
        record = {"sid": sid, "to": message.to, "body": message.body}
        (self.path / f"{sid}.json").write_text(json.dumps(record), encoding="utf-8")
        return sid
