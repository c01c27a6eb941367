"""Quiet hours: a text that can wait is not sent at night in the clinic's time zone.

The clinic sets its quiet hours (default 21:00–08:00). A text found due inside them goes back
to ``pending`` until they end, then dispatch sends it. Urgent texts never wait: a session
cancelled or blocked that falls on or before the morning the quiet hours end (she might
otherwise set out for it). E-mail is never held: it does not wake anybody.
"""

import datetime as dt

from booking.models import Reminder
from clinics.models import Clinic

URGENT_KINDS = frozenset(
    {Reminder.Notice.CANCELLED, Reminder.Notice.SESSION_BLOCKED, Reminder.Notice.MOVED}
)


def _clinic(reminder: Reminder) -> Clinic | None:
    if reminder.booking_id:
        return reminder.booking.slot.therapist.clinic
    clinic_id = reminder.payload.get("clinic_id")
    return Clinic.objects.filter(pk=clinic_id).first() if clinic_id else None


def is_urgent(reminder: Reminder, *, quiet_until: dt.datetime, clinic: Clinic) -> bool:
    """A cancelled, moved or blocked session on or before the day the quiet hours end."""
    if reminder.kind not in URGENT_KINDS or not reminder.booking_id:
        return False
    return clinic.local_date(reminder.booking.starts_at) <= clinic.local_date(quiet_until)


def held_until(reminder: Reminder, *, now: dt.datetime) -> dt.datetime | None:
    """When a text due ``now`` may go out, or None to send it now."""
    if reminder.channel != "sms":
        return None
    clinic = _clinic(reminder)
    if clinic is None:
        return None
    quiet_until = clinic.quiet_until(now)
    if quiet_until is None or is_urgent(reminder, quiet_until=quiet_until, clinic=clinic):
        return None
    return quiet_until
