"""E-mails sent by the thousand: Django's message, turned into the same bytes with less work.

Putting a message into bytes (the standard library's MIME generator, which Django's mail
backends call) cost a reminder more than writing its words. ``QuickEmail`` is Django's
``EmailMultiAlternatives`` with three shortcuts that leave every byte as it was:

- its multipart boundaries are drawn as the message is built, in the generator's own form,
  so the generator does not compile a new pattern and search the whole text for each one;
- a header that fits on its line as plain printable ASCII is written as it is, where the
  generator's folding (``email.header``) would take it apart and put it back unchanged;
- a message of text parts in multiparts (what Django builds for text, HTML and text
  attachments) is written out part by part as the generator writes it, without the
  generator's buffers and dispatch; anything else still goes through the generator.
"""

import secrets
import sys
from email.policy import Compat32

from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart

# The generator's own boundary: fifteen "=", a random number as wide as the largest, "==".
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))


def new_boundary() -> str:
    """A boundary no text contains: unguessable, so no one can write it into her name."""
    return f"{'=' * 15}{secrets.randbelow(sys.maxsize):0{_BOUNDARY_DIGITS}d}=="


class PlainHeadersAsTheyAre(Compat32):
    """Django's policy (``compat32``), writing a short plain header without folding it."""

    def _as_it_is(self, name: str, value) -> str | None:
        if (
            isinstance(value, str)
            and value.isascii()
            and value.isprintable()
            and self.max_line_length
            and len(name) + 2 + len(value) <= self.max_line_length
        ):
            return f"{name}: {value}{self.linesep}"
        return None

    def fold(self, name, value):
        return self._as_it_is(name, value) or super().fold(name, value)

    def fold_binary(self, name, value):
        line = self._as_it_is(name, value)
        return line.encode("ascii") if line else super().fold_binary(name, value)


PLAIN_HEADERS_AS_THEY_ARE = PlainHeadersAsTheyAre()


def _lines_ended_with(text: str, separator: str) -> str:
    """``text`` with every line break (CRLF, CR or LF) made ``separator``, as the generator
    makes them."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", separator)


def _write_part(part, policy, pieces: list[bytes]) -> bool:
    """Append ``part`` as the generator (``BytesGenerator``) writes it; False for a part it
    writes in some other way (nested messages, signed parts, preambles, payloads not text)."""
    separator = policy.linesep
    if hasattr(part, "_write_headers"):
        return False
    pieces += [policy.fold_binary(name, value) for name, value in part.raw_items()]
    pieces.append(separator.encode("ascii"))
    kind = part.get_content_maintype()
    if kind == "multipart":
        parts, boundary = part.get_payload(), part.get_boundary()
        if (
            part.get_content_subtype() == "signed"
            or part.preamble is not None
            or part.epilogue is not None
            or not isinstance(parts, list)
            or not boundary
        ):
            return False
        pieces.append(f"--{boundary}{separator}".encode("ascii"))
        for number, inner in enumerate(parts):
            if number:
                pieces.append(f"{separator}--{boundary}{separator}".encode("ascii"))
            if not _write_part(inner, policy, pieces):
                return False
        pieces.append(f"{separator}--{boundary}--{separator}".encode("ascii"))
        return True
    if kind == "message":
        return False
    payload = part._payload
    if payload is None:
        return True
    if not isinstance(payload, str):
        return False
    # Bytes the text was made of travel as escaped characters, and go back to bytes here.
    pieces.append(_lines_ended_with(payload, separator).encode("ascii", "surrogateescape"))
    return True


class QuickMultipart(SafeMIMEMultipart):
    """The message Django built, written out by ``_write_part`` where the generator is not
    needed."""

    def as_bytes(self, unixfrom=False, linesep="\n"):
        policy = self.policy.clone(linesep=linesep)
        pieces = []
        if not unixfrom and policy.cte_type != "7bit" and _write_part(self, policy, pieces):
            return b"".join(pieces)
        return super().as_bytes(unixfrom=unixfrom, linesep=linesep)


class QuickEmail(EmailMultiAlternatives):
    """``EmailMultiAlternatives`` whose message becomes the same bytes for less work."""

    def message(self):
        message = super().message()
        # The generator writes every part with the policy of the message it was given.
        message.policy = PLAIN_HEADERS_AS_THEY_ARE
        for part in message.walk():
            if part.is_multipart():
                part.set_boundary(new_boundary())
        if type(message) is SafeMIMEMultipart:
            # The same message, only put into bytes by the quicker writer.
            message.__class__ = QuickMultipart
        return message
