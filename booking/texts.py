"""The text messages of the outbox: short, and never a word about her health.

A text may be read over her shoulder or on a locked screen, so it says only when and where
("your session on Tue 14 Jan 10:00 at Camden") and links to the page with the details, behind
her login. No condition, no week of pregnancy, no reason for a block: the templates in
``templates/booking/sms/`` get the date, the clinic's name and the link, nothing else.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from booking.models import Reminder

# The kinds that may go by text; every other message (plan summaries, invitations, password
# resets, staff notices) stays e-mail only.
REMINDER_KINDS = frozenset({"24h", "2h"})
NOTICE_KINDS = frozenset(
    {
        Reminder.Notice.BOOKED,
        Reminder.Notice.MOVED,
        Reminder.Notice.CANCELLED,
        Reminder.Notice.SESSION_BLOCKED,
        Reminder.Notice.WAITLIST_OFFER,
    }
)
TEXTABLE_KINDS = REMINDER_KINDS | NOTICE_KINDS


def _template(kind: str) -> str:
    name = "reminder" if kind in REMINDER_KINDS else kind
    return f"booking/sms/{name}.txt"


def _when(instant, clinic) -> str:
    local = instant.astimezone(clinic.tz)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _link(reminder: Reminder) -> str:
    if reminder.kind == Reminder.Notice.WAITLIST_OFFER:
        return reminder.payload["link"]
    if reminder.kind == Reminder.Notice.CANCELLED:
        return settings.SITE_URL + reverse("booking:my_bookings")
    return settings.SITE_URL + reverse("booking:booking", kwargs={"pk": reminder.booking_id})


def text_context(reminder: Reminder) -> dict:
    """What a text may say: the session's time and clinic, and a link."""
    if reminder.kind == Reminder.Notice.WAITLIST_OFFER:
        return reminder.payload["text"] | {"link": _link(reminder)}
    booking = reminder.booking
    clinic = booking.slot.therapist.clinic
    return {
        "when": _when(booking.starts_at, clinic),
        "clinic": clinic.name,
        "link": _link(reminder),
    }


def render_text(kind: str, context: dict) -> str:
    return render_to_string(_template(kind), context).strip()


def compose(reminder: Reminder) -> str:
    if reminder.kind not in TEXTABLE_KINDS:
        raise ValueError(f"A {reminder.kind!r} message is never sent by text")
    return render_text(reminder.kind, text_context(reminder))


def offer_text_context(*, starts_at, clinic) -> dict:
    """The words of a waitlist offer, kept in its payload (it has no booking yet)."""
    return {"when": _when(starts_at, clinic), "clinic": clinic.name}


def channels_for(recipient, kind: str) -> list[str]:
    """The channels a message of ``kind`` goes out on for ``recipient``: her choice, where the
    kind may go by text; e-mail for everything that never goes by text."""
    chosen = [
        channel
        for channel in recipient.channels
        if channel == "email" or (channel == "sms" and kind in TEXTABLE_KINDS)
    ]
    return chosen or ["email"]


def no_longer_texted(reminder: Reminder) -> bool:
    """A text for someone who has since turned texts off (a STOP reply, her reminders page)."""
    return reminder.channel == "sms" and "sms" not in channels_for(
        reminder.recipient, reminder.kind
    )
