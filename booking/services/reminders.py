"""The reminder outbox: rows written with each booking, claimed by dispatch, sent once.

How a reminder is sent exactly once (as far as SMTP allows):

1. ``schedule_reminders`` writes ``pending`` rows in the booking's own transaction, so a
   booking that rolls back leaves no reminder and a booked session always has its rows.
2. ``claim_due_reminders`` (run by the periodic dispatch task) locks due ``pending`` rows with
   ``SELECT … FOR UPDATE SKIP LOCKED``, flips them to ``sending`` with a lease
   (``claimed_until``) and, only once that has committed, the task puts one send task per id
   on the broker. Two dispatchers running at once skip each other's locked rows, so each row
   is claimed by one of them.
3. ``send_claimed_reminder`` (the send task) locks the ``sending`` row with ``SKIP LOCKED`` and
   holds the lock through the SMTP conversation, then marks the row ``sent`` and commits at
   once. A second delivery of the same task finds the row locked (and leaves it: the first
   delivery is on it) or no longer ``sending`` (and does nothing). The lock belongs to the
   worker's database connection, so a worker killed mid-send releases it the moment that
   connection drops, with nothing marked: the row is still ``sending``.
4. A ``sending`` row whose lease has run out and which nobody holds locked has lost its task
   (a killed worker's unacknowledged message, a broker restarted without persistence, a
   broker that was down when the task was enqueued): dispatch claims it again and enqueues a
   fresh task. A lease that runs out while the task is merely still queued costs one extra
   task, which finds the row sent and does nothing. The lease decides how quickly a lost
   reminder is recovered, never whether it is sent twice.

The one window left: the SMTP server has accepted the message but the worker dies (or the
database goes away) before the ``sent`` commit lands; the reminder is then sent again. No
protocol makes SMTP delivery exactly-once, so the window is kept to the single commit after
the server's reply, and every copy carries the same Message-ID (``<reminder-<id>@bolster>``)
so mail systems and people can recognise a repeat.

A reminder is never sent for a booking that is no longer booked or for a same-day reminder
she has since turned off (``cancelled``), nor after it stopped being useful (``skipped``, see
``useful_until``). SMTP trouble is retried with exponential backoff; after
``MAX_SEND_ATTEMPTS`` the row is ``failed`` with the error, for the clinic admin to see.
"""

import datetime as dt
import enum
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts.models import User
from booking.calendar import ics_for_bookings
from booking.models import Booking, Plan, Reminder
from safety.engine import NOT_MEDICAL_ADVICE, RED_FLAG_SYMPTOMS
from safety.models import Clearance, Severity

logger = logging.getLogger(__name__)

# Reminders this many hours (or fewer) before a session are "same-day": the short one a client
# may turn off. The clinic default is 24 h and 2 h; any cut between 3 and 23 h would do, and
# 6 h keeps a morning reminder for an afternoon session on the same-day side.
SAME_DAY_MAX_HOURS = 6
PLAN_END = "plan_end"
PLAN_END_NOTICE = dt.timedelta(weeks=1)

# How long a claim holds before dispatch may hand the reminder out again (see step 4 above).
CLAIM_LEASE = dt.timedelta(minutes=5)
CLAIM_BATCH_SIZE = 500

MAX_SEND_ATTEMPTS = 5
FIRST_RETRY_DELAY = dt.timedelta(seconds=30)

WHAT_TO_BRING = (
    "Wear loose, comfortable clothes and bring a bottle of water. Have a light snack an hour "
    "or so before, and bring your maternity notes if anything has changed since your last visit."
)


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


def useful_until(reminder: Reminder) -> dt.datetime:
    """After this a reminder would confuse more than help, so it is skipped, not sent late.

    An "N h before" reminder is useful until half its lead time is left (a 2 h reminder until
    an hour before the session, a 24 h one until 12 h before); the plan-end reminder until the
    session it belongs to starts.
    """
    starts_at = reminder.booking.starts_at
    hours = kind_hours(reminder.kind)
    if hours is None:
        return starts_at
    return starts_at - dt.timedelta(hours=hours) / 2


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min … after the 1st, 2nd, 3rd, 4th failed attempt."""
    return FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0)


# --- Writing the rows ------------------------------------------------------------------------


def _put(*, booking: Booking, kind: str, send_at: dt.datetime) -> Reminder:
    """Create the reminder, or revive a cancelled one; leave a live or finished one alone."""
    reminder, created = Reminder.objects.get_or_create(
        booking=booking, kind=kind, defaults={"send_at": send_at}
    )
    if not created and reminder.status == Reminder.Status.CANCELLED:
        reminder.status = Reminder.Status.PENDING
        reminder.send_at = send_at
        reminder.attempts = 0
        reminder.last_error = ""
        reminder.claimed_until = None
        reminder.save()
    return reminder


def _cancel(reminders) -> int:
    return reminders.filter(status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING]).update(
        status=Reminder.Status.CANCELLED, claimed_until=None, updated_at=timezone.now()
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
    clinic = booking.slot.therapist.clinic
    now = timezone.now()
    reminders = []
    for hours in sorted({h for h in clinic.reminder_hours if isinstance(h, int) and h > 0}):
        kind = hours_kind(hours)
        send_at = booking.starts_at - dt.timedelta(hours=hours)
        if send_at <= now:
            continue
        if is_same_day(kind) and not booking.client.same_day_reminders:
            continue
        reminders.append(_put(booking=booking, kind=kind, send_at=send_at))
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


# --- Dispatch and sending --------------------------------------------------------------------


@transaction.atomic
def claim_due_reminders(
    *, limit: int = CLAIM_BATCH_SIZE, lease: dt.timedelta = CLAIM_LEASE
) -> list[int]:
    """Claim up to ``limit`` due reminders (and lapsed claims) for sending; return their ids.

    The caller enqueues one send task per id after the surrounding transaction commits.
    """
    now = timezone.now()
    due = Q(status=Reminder.Status.PENDING, send_at__lte=now) | Q(
        status=Reminder.Status.SENDING, claimed_until__lt=now
    )
    ids = list(
        Reminder.objects.filter(due)
        .order_by("send_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        Reminder.objects.filter(pk__in=ids).update(
            status=Reminder.Status.SENDING, claimed_until=now + lease, updated_at=now
        )
    return ids


class Outcome(enum.StrEnum):
    SENT = "sent"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    FAILED = "failed"
    RETRY = "retry"
    # Not ours: already finished, not claimed, or another worker holds it right now.
    NOTHING_TO_DO = "nothing_to_do"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    retry_in: dt.timedelta | None = None


def _no_longer_wanted(reminder: Reminder) -> bool:
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


def _finish(reminder: Reminder, status: str, **fields) -> None:
    reminder.status = status
    reminder.claimed_until = None
    for name, value in fields.items():
        setattr(reminder, name, value)
    reminder.save()


def send_claimed_reminder(*, reminder_id: int) -> SendResult:
    """Send one claimed reminder unless another worker has it, it is done, or it is moot.

    Holds the reminder's row lock from the checks through the SMTP conversation to the
    ``sent`` commit (see the module docstring).
    """
    with transaction.atomic():
        # Lock the reminder row alone and load its booking in a plain second query: that
        # keeps the lock off the booking and the locking query cheap to plan.
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(pk=reminder_id, status=Reminder.Status.SENDING)
            .first()
        )
        if reminder is None:
            return SendResult(Outcome.NOTHING_TO_DO)
        reminder.booking = Booking.objects.select_related("client", "slot__therapist__clinic").get(
            pk=reminder.booking_id
        )
        if _no_longer_wanted(reminder):
            _finish(reminder, Reminder.Status.CANCELLED)
            return SendResult(Outcome.CANCELLED)
        now = timezone.now()
        if now >= useful_until(reminder):
            _finish(reminder, Reminder.Status.SKIPPED)
            logger.info("Reminder %s skipped: found too late to help", reminder.pk)
            return SendResult(Outcome.SKIPPED)

        try:
            message = reminder_message(reminder)
        except Exception as exc:
            # A reminder that cannot even be written would otherwise come back every lease.
            logger.exception("Reminder %s could not be written", reminder.pk)
            _finish(reminder, Reminder.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}")
            return SendResult(Outcome.FAILED)
        reminder.attempts += 1
        try:
            message.send()
        except Exception as exc:
            # Whatever the mail library raises counts as a failed attempt, so even an
            # unforeseen error ends in "failed" for the admin instead of retrying forever.
            error = f"{type(exc).__name__}: {exc}"[:2000]
            if reminder.attempts >= MAX_SEND_ATTEMPTS:
                _finish(reminder, Reminder.Status.FAILED, last_error=error)
                logger.warning("Reminder %s failed for good: %s", reminder.pk, error)
                return SendResult(Outcome.FAILED)
            delay = retry_delay(reminder.attempts)
            # Keep the claim through the backoff, so dispatch does not hand it out meanwhile.
            reminder.last_error = error
            reminder.claimed_until = now + delay + CLAIM_LEASE
            reminder.save()
            return SendResult(Outcome.RETRY, retry_in=delay)
        _finish(reminder, Reminder.Status.SENT, sent_at=timezone.now(), last_error="")
        return SendResult(Outcome.SENT)


# --- The e-mail ------------------------------------------------------------------------------


def message_id(reminder: Reminder) -> str:
    return f"<reminder-{reminder.pk}@bolster>"


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}"


def _client_safety_notes(booking: Booking) -> list[str]:
    """What she should know from the session's open safety flags, in client words."""
    session_day = booking.slot.therapist.clinic.local_date(booking.starts_at)
    flags = list(booking.safety_flags.filter(closed_at__isnull=True).order_by("code"))
    cleared = set()
    if any(flag.severity == Severity.CLEARANCE for flag in flags):
        cleared = set(
            Clearance.objects.filter(client=booking.client)
            .covering(session_day)
            .values_list("code", flat=True)
        )
    notes = []
    for flag in flags:
        if flag.severity == Severity.CLEARANCE and flag.code not in cleared:
            notes.append(
                f"Clearance still needed: {flag.title}. Before this session your therapist "
                "needs a written note from your midwife or doctor saying massage is fine for "
                "you. Please bring it, or send it to the clinic beforehand."
            )
        elif flag.severity == Severity.BLOCK:
            notes.append(
                f"{flag.title}: this session cannot go ahead as things stand. "
                f"{flag.client_message} Please call the clinic."
            )
        elif flag.client_message:
            notes.append(flag.client_message)
    return notes


def reminder_context(reminder: Reminder) -> dict:
    booking = reminder.booking
    therapist = booking.slot.therapist
    clinic = therapist.clinic
    starts = timezone.localtime(booking.starts_at, clinic.tz)
    return {
        "reminder": reminder,
        "booking": booking,
        "client": booking.client,
        "clinic": clinic,
        "therapist": therapist,
        "is_plan_end": reminder.kind == PLAN_END,
        "is_same_day": is_same_day(reminder.kind),
        "day": dateformat.format(starts, "l j F Y"),
        "time": dateformat.format(starts, "H:i"),
        "zone": f"{starts.tzname()}, {clinic.time_zone}",
        "address_lines": [line for line in clinic.address.splitlines() if line.strip()],
        "what_to_bring": WHAT_TO_BRING,
        "safety_notes": _client_safety_notes(booking),
        "not_medical_advice": NOT_MEDICAL_ADVICE,
        "red_flag_symptoms": RED_FLAG_SYMPTOMS,
        "manage_url": _absolute(reverse("booking:booking", kwargs={"pk": booking.pk})),
        "move_url": _absolute(reverse("booking:move", kwargs={"pk": booking.pk})),
        "cancel_url": _absolute(reverse("booking:cancel", kwargs={"pk": booking.pk})),
        "book_more_url": _absolute(reverse("booking:clinic", kwargs={"slug": clinic.slug})),
        "preferences_url": _absolute(reverse("booking:reminder_preferences")),
    }


def reminder_message(reminder: Reminder) -> EmailMultiAlternatives:
    """The reminder e-mail: plain text, HTML and the session as a calendar file."""
    context = reminder_context(reminder)
    subject = " ".join(render_to_string("booking/email/reminder_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("booking/email/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.booking.client.email],
        reply_to=[context["clinic"].email],
        headers={"Message-ID": message_id(reminder)},
    )
    message.attach_alternative(
        render_to_string("booking/email/reminder.html", context), "text/html"
    )
    message.attach("session.ics", ics_for_bookings([reminder.booking]), "text/calendar")
    return message
