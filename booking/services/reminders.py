"""Reminders before a session: which rows a booking gets, and whether one is still worth sending.

``schedule_reminders`` writes ``pending`` rows in the booking's own transaction, so a booking
that rolls back leaves no reminder and a booked session always has its rows; the outbox
(``booking.services.outbox``) claims and sends them when they fall due.

A reminder is never sent for a booking that is no longer booked or for a same-day reminder
she has since turned off (``cancelled``), nor after it stopped being useful (``skipped``, see
``useful_until``).
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking import texts
from booking.models import Booking, Plan, Reminder, held_for_plans

logger = logging.getLogger(__name__)

# Reminders this many hours (or fewer) before a session are "same-day": the short one a client
# may turn off. The clinic default is 24 h and 2 h; any cut between 3 and 23 h would do, and
# 6 h keeps a morning reminder for an afternoon session on the same-day side.
SAME_DAY_MAX_HOURS = 6
PLAN_END = "plan_end"
PLAN_END_NOTICE = dt.timedelta(weeks=1)


def hours_kind(hours: int) -> str:
    return f"{hours}h"


def kind_hours(kind: str) -> int | None:
    """24 for "24h"; None for a kind not counted in hours (plan_end)."""
    if kind.endswith("h") and kind[:-1].isdigit():
        return int(kind[:-1])
    return None


def is_same_day(kind: str) -> bool:
    hours = kind_hours(kind)
    return hours is not None and hours <= SAME_DAY_MAX_HOURS


def useful_until(reminder: Reminder) -> dt.datetime | None:
    """After this a reminder would confuse more than help, so it is skipped, not sent late.

    An "N h before" reminder is useful until half its lead time is left (a 2 h reminder until
    an hour before the session, a 24 h one until 12 h before); the plan-end reminder until the
    session it belongs to starts. A notice has no such time (None): it says what happened,
    however late.
    """
    if reminder.is_notice:
        return None
    starts_at = reminder.booking.starts_at
    hours = kind_hours(reminder.kind)
    if hours is None:
        return starts_at
    return starts_at - dt.timedelta(hours=hours) / 2


# --- Writing the rows ------------------------------------------------------------------------


def _put(*, booking: Booking, kind: str, send_at: dt.datetime) -> Reminder:
    """Create the reminder on each channel she chose, or revive a cancelled one; leave a live
    or finished one alone. Returns the first channel's row."""
    rows = []
    for channel in texts.channels_for(booking.client, kind):
        reminder, created = Reminder.objects.get_or_create(
            booking=booking,
            kind=kind,
            channel=channel,
            defaults={"send_at": send_at, "recipient": booking.client},
        )
        if not created and reminder.status == Reminder.Status.CANCELLED:
            reminder.status = Reminder.Status.PENDING
            reminder.send_at = send_at
            reminder.attempts = 0
            reminder.last_error = ""
            reminder.claimed_until = None
            reminder.save()
        rows.append(reminder)
    return rows[0]


def _cancel(reminders) -> int:
    # Notices say what already happened: cancelling a session does not unsay its booking.
    return (
        reminders.reminders()
        .filter(status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING])
        .update(status=Reminder.Status.CANCELLED, claimed_until=None, updated_at=timezone.now())
    )


def _due_date(client: User) -> dt.date | None:
    profile = getattr(client, "pregnancy_profile", None)
    return profile.due_date if profile else None


def _plan_end_applies(*, last: Booking, now: dt.datetime) -> bool:
    """Worth asking "book more?": the notice is still ahead and her due date is not reached.

    The plan's last session must fall before her due date, so there is time left to book.
    """
    if last.starts_at - PLAN_END_NOTICE <= now:
        return False
    due_date = _due_date(last.client)
    if due_date is None:
        return False
    last_day = last.slot.therapist.clinic.local_date(last.starts_at)
    return last_day < due_date


def _last_session(plan: Plan, *, exclude: Booking | None = None) -> Booking | None:
    sessions = Booking.objects.filter(plan=plan, status=Booking.Status.BOOKED)
    if exclude is not None:
        sessions = sessions.exclude(pk=exclude.pk)
    return (
        sessions.select_related("client__pregnancy_profile", "slot__therapist__clinic")
        .order_by("-starts_at")
        .first()
    )


def refresh_plan_end_reminder(*, plan: Plan, exclude: Booking | None = None) -> Reminder | None:
    """Keep the plan's one "your plan ends next week" reminder on its last booked session.

    Run whenever a session of the plan is booked, cancelled or moved (``exclude`` is the one
    being cancelled), so the reminder follows the last session rather than firing a week
    before a session that no longer ends the plan.
    """
    last = _last_session(plan, exclude=exclude)
    wanted = (
        last is not None
        and plan.status == Plan.Status.ACTIVE
        # A rolling plan with dates still to book does not end at its last booked session.
        and not held_for_plans().filter(plan=plan).exists()
        and _plan_end_applies(last=last, now=timezone.now())
    )
    superseded = Reminder.objects.filter(
        booking__plan=plan,
        kind=PLAN_END,
        status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING],
    )
    if wanted:
        superseded = superseded.exclude(booking=last)
    # Never sent and no longer true: booking a plan moves this row once per session, so
    # keeping each superseded copy as "cancelled" would only clutter the outbox.
    superseded.delete()
    if not wanted:
        return None
    return _put(booking=last, kind=PLAN_END, send_at=last.starts_at - PLAN_END_NOTICE)


def _wanted_before(booking: Booking, *, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """(kind, send_at) of each "N h before" reminder the session gets: one per hour count in
    the clinic's ``reminder_hours``, except those already past and the same-day one if she
    turned it off."""
    clinic = booking.slot.therapist.clinic
    wanted = []
    for hours in sorted({h for h in clinic.reminder_hours if isinstance(h, int) and h > 0}):
        kind = hours_kind(hours)
        send_at = booking.starts_at - dt.timedelta(hours=hours)
        if send_at <= now:
            continue
        if is_same_day(kind) and not booking.client.same_day_reminders:
            continue
        wanted.append((kind, send_at))
    return wanted


def schedule_new_sessions_reminders(bookings: list[Booking]) -> list[Reminder]:
    """The "N h before" reminders of sessions just booked, on each channel she chose, in one
    insert (same transaction as the bookings). New sessions have no rows to revive, so this
    skips ``_put``'s look-up per row; the caller keeps the plan-end reminder, once.
    """
    now = timezone.now()
    return Reminder.objects.bulk_create(
        Reminder(
            booking=booking,
            recipient=booking.client,
            kind=kind,
            channel=channel,
            send_at=send_at,
        )
        for booking in bookings
        for kind, send_at in _wanted_before(booking, now=now)
        for channel in texts.channels_for(booking.client, kind)
    )


@transaction.atomic
def schedule_reminders(*, booking: Booking) -> list[Reminder]:
    """Write the reminder rows of a new booking (same transaction as the booking).

    One per hour count in the clinic's ``reminder_hours`` ("24h", "2h"), except those whose
    time has already passed and the same-day one if she turned it off; for a plan's session
    also the plan-end reminder, kept on the plan's last session. Running it again for the same
    booking changes nothing.
    """
    if not booking.is_active:
        return []
    reminders = [
        _put(booking=booking, kind=kind, send_at=send_at)
        for kind, send_at in _wanted_before(booking, now=timezone.now())
    ]
    if booking.plan_id:
        plan_end = refresh_plan_end_reminder(plan=booking.plan)
        if plan_end is not None and plan_end.booking_id == booking.pk:
            reminders.append(plan_end)
    return reminders


@transaction.atomic
def cancel_reminders(*, booking: Booking) -> int:
    """Cancel the pending reminders of a cancelled or moved booking; return how many.

    A plan's plan-end reminder moves to the session that is now the plan's last. A reminder
    whose e-mail is going out at this very moment is waited for (its row is locked) and stays
    ``sent``: it left before the cancellation.
    """
    cancelled = _cancel(Reminder.objects.filter(booking=booking))
    if booking.plan_id:
        refresh_plan_end_reminder(plan=booking.plan, exclude=booking)
    return cancelled


@transaction.atomic
def set_same_day_reminders(*, client: User, enabled: bool) -> User:
    """Turn her same-day reminders on or off, for her booked sessions as well as future ones."""
    client.same_day_reminders = enabled
    client.save(update_fields=["same_day_reminders"])
    upcoming = Booking.objects.filter(
        client=client, status=Booking.Status.BOOKED, starts_at__gt=timezone.now()
    ).select_related("slot__therapist__clinic", "plan", "client")
    if enabled:
        for booking in upcoming:
            schedule_reminders(booking=booking)
    else:
        same_day = [
            r.pk for r in Reminder.objects.filter(booking__in=upcoming) if is_same_day(r.kind)
        ]
        _cancel(Reminder.objects.filter(pk__in=same_day))
    return client


# --- At send time ------------------------------------------------------------------------------


def no_longer_wanted(reminder: Reminder) -> bool:
    """True for a reminder that became moot since it was written; never for a notice."""
    if reminder.is_notice:
        return False
    booking = reminder.booking
    if not booking.is_active:
        return True
    if is_same_day(reminder.kind) and not booking.client.same_day_reminders:
        return True
    if reminder.kind == PLAN_END:
        last = _last_session(booking.plan) if booking.plan_id else None
        due_date = _due_date(booking.client)
        return (
            last is None
            or last.pk != booking.pk
            or booking.plan.status != Plan.Status.ACTIVE
            or due_date is None
            or booking.slot.therapist.clinic.today() >= due_date
        )
    return False
