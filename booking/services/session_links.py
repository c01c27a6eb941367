"""Signed links in her e-mails that manage one session without logging in.

A link names one booking and the last moment she may change it online, signed with the
project's secret (``django.core.signing.TimestampSigner``), so nobody can forge one or stretch
it to another session. It opens only the session's time, therapist and clinic, never her
health data; moving or cancelling through it goes through the same services and notice
rules as when she is logged in. A session that is moved or cancelled takes its links with it.
"""

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone

from booking.models import Booking
from booking.services.changes import can_change_online, change_deadline

SALT = "booking.session-link"
# However far ahead a session was booked, a link older than this is refused outright.
MAX_AGE = dt.timedelta(days=120)


def session_link_token(booking: Booking) -> str:
    """The token of a link managing ``booking`` until its online changes close."""
    until = int(change_deadline(booking).timestamp())
    return signing.TimestampSigner(salt=SALT).sign_object({"b": booking.pk, "u": until})


@dataclass(frozen=True)
class SessionLink:
    booking: Booking
    until: dt.datetime

    @property
    def can_change(self) -> bool:
        """Whether moving or cancelling through the link can still succeed right now."""
        return timezone.now() < self.until and can_change_online(self.booking)


def session_from_token(token: str) -> SessionLink | None:
    """The session a link manages, or None for a forged, tampered, ancient link or one whose
    session is no longer booked (moved, cancelled)."""
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(
            token, max_age=MAX_AGE.total_seconds()
        )
        booking_id, until = int(payload["b"]), int(payload["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    booking = (
        Booking.objects.filter(pk=booking_id, status=Booking.Status.BOOKED)
        .select_related("slot__therapist__clinic", "client")
        .first()
    )
    if booking is None:
        return None
    return SessionLink(booking=booking, until=dt.datetime.fromtimestamp(until, tz=dt.UTC))
