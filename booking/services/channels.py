"""Channels an outbox row can go out on: e-mail and text, each a small class registered by name.

A channel writes the message for a row (``compose``) and opens a connection to its server
(``open``) that sends messages and is closed separately. The outbox keeps those two steps
apart so it can record ``sent`` between them: the server's reply to the send is what counts,
and the goodbye (SMTP's QUIT) comes after the commit, outside the duplicate window. Text
messages are the second channel: one more subclass and one ``register`` call; the outbox never
asks which channel it has.
"""

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.mail import get_connection
from django.urls import reverse

from booking import emails, sms, texts
from booking.models import Reminder
from safety.models import PregnancyProfile


class Connection(Protocol):
    def send(self, message: Any) -> str | None:
        """Hand one message to the server; raise if it was not accepted.

        Returns the server's id for the message where it gives one (a text's id at the
        provider, which its delivery receipts name).
        """

    def close(self) -> None:
        """Say goodbye to the server (after the row is recorded as sent)."""


class Channel(ABC):
    name: ClassVar[str]

    @abstractmethod
    def compose(self, reminder: Reminder) -> Any:
        """The message for ``reminder`` in this channel's form."""

    @abstractmethod
    def open(self) -> Connection:
        """A connection to this channel's server, ready to send."""

    def reaches(self, recipient) -> bool:
        """Whether the recipient has an address on this channel at all."""
        return True

    def prepare(self, reminders: list[Reminder]) -> None:
        """Read what this channel needs for a batch of rows at once, before it sends them.

        The outbox calls it once per batch, so ``reaches`` and ``compose`` cost no query per
        message; a channel that needs nothing more than the rows keeps this default.
        """
        return None


class UnknownChannel(LookupError):
    pass


_CHANNELS: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    _CHANNELS[channel.name] = channel
    return channel


def channel_for(name: str) -> Channel:
    try:
        return _CHANNELS[name]
    except KeyError:
        raise UnknownChannel(f"No channel called {name!r}") from None


class EmailConnection:
    """One connection of Django's configured e-mail backend, kept open across the commit."""

    def __init__(self):
        self.backend = get_connection()
        # Opened here, so send_messages() leaves it open and close() is ours to call.
        self.backend.open()

    def send(self, message) -> None:
        if self.backend.send_messages([message]) != 1:
            raise RuntimeError("The mail server did not accept the message")
        return None

    def close(self) -> None:
        self.backend.close()


class EmailChannel(Channel):
    name = "email"

    def compose(self, reminder: Reminder):
        return emails.compose(reminder)

    def open(self) -> EmailConnection:
        return EmailConnection()

    def reaches(self, recipient) -> bool:
        # A caller registered at the front desk may have given only a phone number.
        return bool(recipient.email)


register(EmailChannel())


# Where ``SmsChannel.prepare`` leaves her number on the recipient for the rest of the batch.
PREPARED_MOBILE = "prepared_mobile_number"


def _usable(phone) -> str:
    return str(phone) if phone and phone.is_valid() else ""


def mobile_number(recipient) -> str:
    """Her mobile in E.164 from her pregnancy profile, or "" when she has no usable one."""
    prepared = getattr(recipient, PREPARED_MOBILE, None)
    if prepared is not None:
        return prepared
    phone = (
        PregnancyProfile.objects.filter(client_id=recipient.pk)
        .values_list("phone", flat=True)
        .first()
    )
    return _usable(phone)


class SmsConnection:
    """One connection of the configured text-message backend (``SMS_BACKEND``)."""

    def __init__(self):
        self.backend = sms.get_connection()
        self.backend.open()

    def send(self, message: sms.SmsMessage) -> str:
        return self.backend.send(message)

    def close(self) -> None:
        self.backend.close()


class SmsChannel(Channel):
    name = "sms"

    def compose(self, reminder: Reminder) -> sms.SmsMessage:
        return sms.SmsMessage(
            to=mobile_number(reminder.recipient),
            body=texts.compose(reminder),
            status_callback=settings.SITE_URL + reverse("sms:status"),
        )

    def open(self) -> SmsConnection:
        return SmsConnection()

    def reaches(self, recipient) -> bool:
        # A number that could not be read (kept for correction) reaches nobody.
        return bool(mobile_number(recipient))

    def prepare(self, reminders: list[Reminder]) -> None:
        recipients = [reminder.recipient for reminder in reminders]
        phones = dict(
            PregnancyProfile.objects.filter(
                client_id__in={recipient.pk for recipient in recipients}
            ).values_list("client_id", "phone")
        )
        for recipient in recipients:
            setattr(recipient, PREPARED_MOBILE, _usable(phones.get(recipient.pk)))


register(SmsChannel())
