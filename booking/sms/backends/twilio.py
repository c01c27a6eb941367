"""Sends texts through Twilio's Messages API with Twilio's own Python library.

Configured from ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN`` and ``SMS_FROM`` (a Twilio
number in E.164, or a messaging service id starting ``MG``). ``api_base_url`` points the
client at another server speaking the same API (``TWILIO_API_BASE_URL``; the tests run
one on 127.0.0.1).
"""

from django.conf import settings
from twilio.rest import Client

from booking.sms.backends.base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def __init__(self, *, account_sid=None, auth_token=None, from_=None, api_base_url=None):
        self.account_sid = account_sid or settings.TWILIO_ACCOUNT_SID
        self.auth_token = auth_token or settings.TWILIO_AUTH_TOKEN
        self.from_ = from_ or settings.SMS_FROM
        self.api_base_url = api_base_url or settings.TWILIO_API_BASE_URL
        self.client = None

    def open(self) -> None:
        if self.client is None:
            self.client = Client(self.account_sid, self.auth_token)
            if self.api_base_url:
                self.client.api.base_url = self.api_base_url

    def send(self, message) -> str:
        self.open()
        sender = (
            {"messaging_service_sid": self.from_}
            if self.from_.startswith("MG")
            else {"from_": self.from_}
        )
        extra = {"status_callback": message.status_callback} if message.status_callback else {}
        created = self.client.messages.create(to=message.to, body=message.body, **sender, **extra)
        return created.sid
