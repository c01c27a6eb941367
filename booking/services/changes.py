"""When she may still change a session online: the clinic's notice, or the grace just after
booking. Kept apart from the operations so the e-mails can ask it too."""

import datetime as dt

from django.utils import timezone

from booking.models import Booking


def notice_deadline(booking: Booking) -> dt.datetime:
    """The last moment she can cancel or move ``booking`` online."""
    hours = booking.slot.therapist.clinic.cancellation_notice_hours
    return booking.starts_at - dt.timedelta(hours=hours)


def in_change_grace(booking: Booking, now: dt.datetime) -> bool:
    """Just booked: inside the grace period, and the session has not begun."""
    return (
        booking.change_grace_until is not None
        and now < booking.change_grace_until
        and now < booking.starts_at
    )


def can_change_online(booking: Booking) -> bool:
    now = timezone.now()
    return booking.is_active and (now < notice_deadline(booking) or in_change_grace(booking, now))


def change_deadline(booking: Booking) -> dt.datetime:
    """The last moment she can change it online: the notice deadline or the grace, if later."""
    deadline = notice_deadline(booking)
    if booking.change_grace_until and booking.change_grace_until > deadline:
        return min(booking.change_grace_until, booking.starts_at)
    return deadline
