"""The outbox: every outgoing message is a row, claimed by dispatch and sent once.

How a message is sent exactly once (as far as SMTP allows):

1. Rows are written in the transaction of the change they announce, so a change that rolls
   back leaves no message and a change that commits always has its rows. Reminders are
   written ``pending`` for a later ``send_at`` (``booking.services.reminders``); a notice
   (booked, moved, cancelled, …) is written already claimed (``sending``, with a lease) and a
   send task is put on the broker once the transaction commits, so it leaves within seconds.
2. ``claim_due_reminders`` (run by the periodic dispatch task) locks due ``pending`` rows with
   ``SELECT … FOR UPDATE SKIP LOCKED``, flips them to ``sending`` with a lease
   (``claimed_until``) and, only once that has committed, the task puts one send task per id
   on the broker. Two dispatchers running at once skip each other's locked rows, so each row
   is claimed by one of them.
3. ``send_claimed_reminder`` (the send task) locks the ``sending`` row with ``SKIP LOCKED`` and
   holds the lock while the channel's server takes the message, then marks the row ``sent``
   and commits; only after that commit does it close the connection (SMTP's QUIT), so a
   server slow to say goodbye does not widen the window below. A second delivery of the same
   task finds the row locked (and leaves it: the first delivery is on it) or no longer
   ``sending`` (and does nothing). The lock belongs to the worker's database connection, so a
   worker killed mid-send releases it the moment that connection drops, with nothing marked:
   the row is still ``sending``.
4. A ``sending`` row whose lease has run out and which nobody holds locked has lost its task
   (a killed worker's unacknowledged message, a broker restarted without persistence, a
   broker that was down when the task was enqueued): dispatch claims it again and enqueues a
   fresh task. The lease (4 minutes) plus the time to the next dispatch (at most one minute)
   makes a lost message go out within 5 minutes. A lease that runs out while the task is
   merely still queued costs one extra task, which finds the row sent and does nothing. The
   lease decides how quickly a lost message is recovered, never whether it is sent twice.

The one window left: the server has accepted the message but the worker dies (or the
database goes away) before the ``sent`` commit lands; the message is then sent again. No
protocol makes SMTP delivery exactly-once, so the window is kept to the single commit after
the server's reply to the message, and every copy carries the same Message-ID
(``<reminder-<id>@bolster>``) so mail systems and people can recognise a repeat.

A reminder is never sent once it is moot or too late (``booking.services.reminders``).
Trouble on the channel is retried with exponential backoff; after ``MAX_SEND_ATTEMPTS`` the
row is ``failed`` with the error, for the clinic admin and the operator to see.
"""

import datetime as dt
import enum
import logging
from dataclasses import dataclass

from celery import current_app
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from booking.models import Booking, Reminder
from booking.services import reminders as reminder_rules
from booking.services.channels import Connection, channel_for

logger = logging.getLogger(__name__)

# How long a claim holds before dispatch may hand the message out again (see step 4 above).
CLAIM_LEASE = dt.timedelta(minutes=4)
CLAIM_BATCH_SIZE = 500

MAX_SEND_ATTEMPTS = 5
FIRST_RETRY_DELAY = dt.timedelta(seconds=30)

# The send task, by name: services put it on the broker without importing the tasks module.
SEND_TASK = "booking.tasks.send_reminder"


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min … after the 1st, 2nd, 3rd, 4th failed attempt."""
    return FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0)


# --- Writing a notice --------------------------------------------------------------------------


def enqueue_sends(reminder_ids: list[int]) -> None:
    """Put one send task per claimed row on the broker (call after the claim has committed)."""
    if not reminder_ids:
        return
    try:
        with current_app.producer_or_acquire() as producer:
            for reminder_id in reminder_ids:
                current_app.send_task(SEND_TASK, (reminder_id,), producer=producer)
    except BrokerError:
        # The rows stay claimed; once their lease lapses the next dispatch hands them out again.
        logger.warning(
            "Broker unavailable: %d claimed messages wait for their lease", len(reminder_ids)
        )


def notify(
    *,
    kind: str,
    recipient: User,
    booking: Booking | None = None,
    payload: dict | None = None,
    channel: str = "email",
) -> Reminder:
    """Write a notice in the caller's transaction; its send task leaves once that commits."""
    now = timezone.now()
    reminder = Reminder.objects.create(
        kind=kind,
        recipient=recipient,
        booking=booking,
        payload=payload or {},
        channel=channel,
        send_at=now,
        status=Reminder.Status.SENDING,
        claimed_until=now + CLAIM_LEASE,
    )
    # Looked up when the commit happens, so the suite can stand in for broker and worker.
    transaction.on_commit(lambda: enqueue_sends([reminder.pk]))
    return reminder


# --- Dispatch ----------------------------------------------------------------------------------


@transaction.atomic
def claim_due_reminders(
    *, limit: int = CLAIM_BATCH_SIZE, lease: dt.timedelta = CLAIM_LEASE
) -> list[int]:
    """Claim up to ``limit`` due rows (and lapsed claims) for sending; return their ids.

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


# --- Sending -----------------------------------------------------------------------------------


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


def _finish(reminder: Reminder, status: str, **fields) -> None:
    reminder.status = status
    reminder.claimed_until = None
    for name, value in fields.items():
        setattr(reminder, name, value)
    reminder.save()


def _lock_claimed(reminder_id: int) -> Reminder | None:
    # Lock the row alone and load what it refers to in plain queries: that keeps the lock
    # off the booking and the user, and the locking query cheap to plan.
    reminder = (
        Reminder.objects.select_for_update(skip_locked=True)
        .filter(pk=reminder_id, status=Reminder.Status.SENDING)
        .first()
    )
    if reminder is None:
        return None
    if reminder.booking_id:
        reminder.booking = Booking.objects.select_related(
            "client", "slot__therapist__clinic", "plan"
        ).get(pk=reminder.booking_id)
    if reminder.booking_id and reminder.booking.client_id == reminder.recipient_id:
        # Most rows go to the client of their session: no second query for her.
        reminder.recipient = reminder.booking.client
    else:
        reminder.recipient = User.objects.get(pk=reminder.recipient_id)
    return reminder


def _failed_attempt(reminder: Reminder, exc: Exception, *, now: dt.datetime) -> SendResult:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if reminder.attempts >= MAX_SEND_ATTEMPTS:
        _finish(reminder, Reminder.Status.FAILED, last_error=error)
        logger.warning("Message %s failed for good: %s", reminder.pk, error)
        return SendResult(Outcome.FAILED)
    delay = retry_delay(reminder.attempts)
    # Keep the claim through the backoff, so dispatch does not hand it out meanwhile.
    reminder.last_error = error
    reminder.claimed_until = now + delay + CLAIM_LEASE
    reminder.save()
    return SendResult(Outcome.RETRY, retry_in=delay)


def _send_locked(reminder: Reminder, opened: list[Connection]) -> SendResult:
    """Check, compose and send a locked row; record the outcome on it (caller commits)."""
    # A deleted (anonymised) or deactivated account gets nothing more.
    if not reminder.recipient.is_active or reminder_rules.no_longer_wanted(reminder):
        _finish(reminder, Reminder.Status.CANCELLED)
        return SendResult(Outcome.CANCELLED)
    now = timezone.now()
    too_late_at = reminder_rules.useful_until(reminder)
    if too_late_at is not None and now >= too_late_at:
        _finish(reminder, Reminder.Status.SKIPPED)
        logger.info("Message %s skipped: found too late to help", reminder.pk)
        return SendResult(Outcome.SKIPPED)
    try:
        channel = channel_for(reminder.channel)
        if not channel.reaches(reminder.recipient):
            _finish(reminder, Reminder.Status.SKIPPED, last_error="No address on this channel")
            logger.info("Message %s skipped: the recipient has no address", reminder.pk)
            return SendResult(Outcome.SKIPPED)
        message = channel.compose(reminder)
    except Exception as exc:
        # A message that cannot even be written would otherwise come back every lease.
        logger.exception("Message %s could not be written", reminder.pk)
        _finish(reminder, Reminder.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}")
        return SendResult(Outcome.FAILED)
    reminder.attempts += 1
    try:
        opened.append(channel.open())
        opened[0].send(message)
    except Exception as exc:
        # Whatever the channel raises counts as a failed attempt, so even an unforeseen
        # error ends in "failed" for the admin instead of retrying forever.
        return _failed_attempt(reminder, exc, now=now)
    _finish(reminder, Reminder.Status.SENT, sent_at=timezone.now(), last_error="")
    return SendResult(Outcome.SENT)


def send_claimed_reminder(*, reminder_id: int) -> SendResult:
    """Send one claimed row unless another worker has it, it is done, or it is moot.

    Holds the row lock from the checks through the server's acceptance to the ``sent``
    commit, and says goodbye to the server only after that commit (see the module docstring).
    """
    opened: list[Connection] = []
    try:
        with transaction.atomic():
            reminder = _lock_claimed(reminder_id)
            if reminder is None:
                return SendResult(Outcome.NOTHING_TO_DO)
            return _send_locked(reminder, opened)
    finally:
        for connection in opened:
            try:
                connection.close()
            except Exception:
                # The outcome is recorded; a server that hangs up rudely changes nothing.
                logger.warning("Closing the connection for message %s failed", reminder_id)
