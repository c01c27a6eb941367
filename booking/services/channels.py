"""Channels an outbox row can go out on: e-mail today, each a small class registered by name.

A channel writes the message for a row (``compose``) and opens a connection to its server
(``open``) that sends messages and is closed separately. The outbox keeps those two steps
apart so it can record ``sent`` between them: the server's reply to the send is what counts,
and the goodbye (SMTP's QUIT) comes after the commit, outside the duplicate window. A new
channel (SMS) is one more subclass and one ``register`` call; the outbox never asks which
channel it has.
"""

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Protocol

from django.core.mail import get_connection

from booking import emails
from booking.models import Reminder


class Connection(Protocol):
    def send(self, message: Any) -> None:
        """Hand one message to the server; raise if it was not accepted."""

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
