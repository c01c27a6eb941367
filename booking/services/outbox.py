"""The outbox: every outgoing message is a row, claimed by dispatch and sent once.

How a message is sent exactly once (as far as SMTP allows):

1. Rows are written in the transaction of the change they announce, so a change that rolls
   back leaves no message and a change that commits always has its rows. Reminders are
   written ``pending`` for a later ``send_at`` (``booking.services.reminders``); a notice
   (booked, moved, cancelled, …) is written already claimed (``sending``, with a lease) and a
   send task is put on the broker once the transaction commits, so it leaves within seconds.
2. ``claim_due_reminders`` (run by the periodic dispatch task) claims due ``pending`` rows as a
   set: one ``SELECT … FOR UPDATE SKIP LOCKED`` for up to 500 of them, one ``UPDATE`` that
   flips them to ``sending`` with a lease (``claimed_until``). Only once that has committed
   does the task put them on the broker, ``SEND_BATCH_SIZE`` ids to a send task. Two
   dispatchers running at once skip each other's locked rows, so each row is claimed by one.
3. ``send_claimed_reminders`` (the send task) reads its batch in a fixed number of queries and
   opens one connection per channel (one SMTP connection, one text provider client) for the
   whole batch. Then, row by row, it locks the ``sending`` row with ``SKIP LOCKED`` (reading
   the row and its session's state afresh), holds the lock while the server takes the
   message, marks the row ``sent`` and commits, before it moves on to the next row. The
   connections are closed (SMTP's QUIT) only after the last commit, so a server slow to say
   goodbye does not widen the window below. A second delivery of the same batch finds each
   row locked (and leaves it: the first delivery is on it) or no longer ``sending`` (and does
   nothing). The lock belongs to the worker's database connection, so a worker killed
   mid-batch releases it the moment that connection drops: the rows it finished are
   committed ``sent``, the one in flight and those after it are still ``sending``, and the
   batch's redelivery (or the lease, below) sends those and only those.
4. A ``sending`` row whose lease has run out and which nobody holds locked has lost its task
   (a killed worker's unacknowledged message, a broker restarted without persistence, a
   broker that was down when the task was enqueued): dispatch claims it again and enqueues a
   fresh task. The lease (4 minutes) plus the time to the next dispatch (at most one minute)
   makes a lost message go out within 5 minutes. A lease that runs out while the task is
   merely still queued (or while its batch is still on earlier rows) costs one extra task,
   which finds the row sent, or locked, and does nothing. The lease decides how quickly a
   lost message is recovered, never whether it is sent twice.

The one window left is the same for a batch as for a single message: the server has accepted
a message but the worker dies (or the database goes away) before that row's ``sent`` commit
lands; that one message is then sent again. Batching does not widen it, because each row's
outcome is committed on its own before the next message is handed over: never more than the
one message in flight is repeated. No protocol makes SMTP delivery exactly-once, so the window
is kept to the single commit after the server's reply to the message, and every copy carries
the same Message-ID (``<reminder-<id>@bolster>``) so mail systems and people can recognise a
repeat. That commit per row is also why a batch costs a write per row: committing the batch's
outcomes together would repeat every message since the last commit after a crash.

A reminder is never sent once it is moot or too late (``booking.services.reminders``).
Trouble on the channel is retried with exponential backoff, row by row: a message the server
refuses goes back on the broker alone (``enqueue_retries``), without the rest of its batch,
and the next message of the batch gets a fresh connection. After ``MAX_SEND_ATTEMPTS`` the
row is ``failed`` with the error, for the clinic admin and the operator to see.
"""

import contextlib
import datetime as dt
import enum
import logging
from dataclasses import dataclass

from celery import current_app
from django.db import connection, transaction
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from booking import texts
from booking.models import Booking, Reminder
from booking.services import quiet_hours
from booking.services import reminders as reminder_rules
from booking.services.channels import Channel, Connection, UnknownChannel, channel_for
from common.db import loaded_value, prepared_cursor
from safety.models import SafetyFlag

logger = logging.getLogger(__name__)

# How long a claim holds before dispatch may hand the message out again (see step 4 above).
CLAIM_LEASE = dt.timedelta(minutes=4)
CLAIM_BATCH_SIZE = 500

MAX_SEND_ATTEMPTS = 5
FIRST_RETRY_DELAY = dt.timedelta(seconds=30)

# Rows a send task takes at once, over one connection per channel. Large enough that opening
# the connection and reading the batch cost little per message, small enough that two pool
# processes share a dispatch of a few hundred and a redelivered batch is quickly done again.
SEND_BATCH_SIZE = 50

# The send task, by name: services put it on the broker without importing the tasks module.
SEND_TASK = "booking.tasks.send_reminders"


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min … after the 1st, 2nd, 3rd, 4th failed attempt."""
    return FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0)


# --- Writing a notice --------------------------------------------------------------------------


def _put_on_broker(reminder_ids: list[int], *, countdown: float | None = None) -> None:
    try:
        with current_app.producer_or_acquire() as producer:
            for start in range(0, len(reminder_ids), SEND_BATCH_SIZE):
                current_app.send_task(
                    SEND_TASK,
                    (reminder_ids[start : start + SEND_BATCH_SIZE],),
                    producer=producer,
                    countdown=countdown,
                )
    except BrokerError:
        # The rows stay claimed; once their lease lapses the next dispatch hands them out again.
        logger.warning(
            "Broker unavailable: %d claimed messages wait for their lease", len(reminder_ids)
        )


def enqueue_sends(reminder_ids: list[int]) -> None:
    """Put the claimed rows on the broker, ``SEND_BATCH_SIZE`` to a send task (call after the
    claim has committed)."""
    if reminder_ids:
        _put_on_broker(list(reminder_ids))


def notify(
    *,
    kind: str,
    recipient: User,
    booking: Booking | None = None,
    payload: dict | None = None,
    channel: str | None = None,
) -> Reminder:
    """Write a notice in the caller's transaction; its send tasks leave once that commits.

    One row per channel she chose (``booking.texts.channels_for``), each sent exactly once on
    its own; returns the first. ``channel`` names one channel instead.
    """
    now = timezone.now()
    rows = [
        Reminder.objects.create(
            kind=kind,
            recipient=recipient,
            booking=booking,
            payload=payload or {},
            channel=name,
            send_at=now,
            status=Reminder.Status.SENDING,
            claimed_until=now + CLAIM_LEASE,
        )
        for name in ([channel] if channel else texts.channels_for(recipient, kind))
    ]
    # Looked up when the commit happens, so the suite can stand in for broker and worker.
    transaction.on_commit(lambda: enqueue_sends([row.pk for row in rows]))
    return rows[0]


def notify_each(*, kind: str, messages: list[tuple[User, dict]]) -> list[Reminder]:
    """``notify`` for many recipients at once (one payload each), in one insert.

    For messages written in bulk (a freed time offered to everyone waiting), so their cost
    does not grow a query per recipient.
    """
    now = timezone.now()
    rows = Reminder.objects.bulk_create(
        [
            Reminder(
                kind=kind,
                recipient=recipient,
                payload=payload,
                channel=channel,
                send_at=now,
                status=Reminder.Status.SENDING,
                claimed_until=now + CLAIM_LEASE,
            )
            for recipient, payload in messages
            for channel in texts.channels_for(recipient, kind)
        ]
    )
    transaction.on_commit(lambda: enqueue_sends([row.pk for row in rows]))
    return rows


# --- Dispatch ----------------------------------------------------------------------------------


@transaction.atomic
def claim_due_reminders(
    *, limit: int = CLAIM_BATCH_SIZE, lease: dt.timedelta = CLAIM_LEASE
) -> list[int]:
    """Claim up to ``limit`` due rows (and lapsed claims) for sending; return their ids.

    The caller enqueues their send tasks (``enqueue_sends``) after the surrounding
    transaction commits.
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
    # A text that can wait, found in the clinic's quiet hours: pending again until they end.
    HELD = "held"
    # Not ours: already finished, not claimed, or another worker holds it right now.
    NOTHING_TO_DO = "nothing_to_do"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    retry_in: dt.timedelta | None = None


NOTHING_TO_DO = SendResult(Outcome.NOTHING_TO_DO)


def _record(reminder: Reminder, **fields) -> None:
    """Write these columns of the locked row (and ``updated_at``), and no others.

    Written out, and prepared on the worker's connection: built through the ORM, and planned
    for every row, this statement cost more than the message it records.
    """
    fields["updated_at"] = timezone.now()
    assignments, values = [], []
    for name, value in fields.items():
        setattr(reminder, name, value)
        field = Reminder._meta.get_field(name)
        assignments.append(f"{field.column} = %s")
        values.append(field.get_db_prep_save(value, connection))
    with prepared_cursor() as cursor:
        cursor.execute(
            f"UPDATE booking_reminder SET {', '.join(assignments)} WHERE id = %s",
            [*values, reminder.pk],
        )


def _finish(reminder: Reminder, status: str, **fields) -> None:
    _record(reminder, status=status, claimed_until=None, attempts=reminder.attempts, **fields)


# Columns no message is written from (when a row was made or changed, a therapist's profile),
# left out of a batch's read: turning them into Python cost more than the query. (Her
# password and last login stay: a password-reset link is signed with them.)
NOT_READ_FOR_MESSAGES = [
    "last_error",
    "sent_at",
    "claimed_until",
    "delivery_reported_at",
    "created_at",
    "updated_at",
    "recipient__date_joined",
    "booking__cancelled_at",
    "booking__cancel_reason",
    "booking__flags_acknowledged_at",
    "booking__attendance_marked_at",
    "booking__created_at",
    "booking__updated_at",
    "booking__slot__block_reason",
    "booking__slot__created_at",
    "booking__slot__updated_at",
    "booking__slot__therapist__bio",
    "booking__slot__therapist__photo",
    "booking__slot__therapist__created_at",
    "booking__slot__therapist__updated_at",
    "booking__slot__therapist__clinic__created_at",
    "booking__slot__therapist__clinic__updated_at",
    "booking__plan__created_at",
    "booking__plan__cancelled_at",
]


def _load_batch(reminder_ids: list[int]) -> list[Reminder]:
    """The claimed rows of a batch with everything their messages need, read without locks.

    One query for the rows, their recipients and sessions, one for the sessions' open safety
    flags, and one per channel that needs more (a text's numbers): the same for 3 rows or 300.
    A session's client is, for her own reminders and notices, the row's recipient, read once.
    What can change under us is read again with each row's lock (``_lock_claimed``).
    """
    rows = list(
        Reminder.objects.filter(pk__in=reminder_ids, status=Reminder.Status.SENDING)
        .select_related("recipient", "booking__slot__therapist__clinic", "booking__plan")
        .defer(*NOT_READ_FOR_MESSAGES)
        .prefetch_related(
            Prefetch(
                "booking__safety_flags",
                queryset=SafetyFlag.objects.filter(closed_at__isnull=True).order_by("code"),
                to_attr="open_safety_flags",
            )
        )
        .order_by("pk")
    )
    sessions = [row.booking for row in rows if row.booking_id]
    for row in rows:
        if row.booking_id and row.booking.client_id == row.recipient_id:
            row.booking.client = row.recipient
    # A notice to someone else about her session (her therapist's) reads its clients at once.
    prefetch_related_objects(
        [session for session in sessions if not Booking.client.is_cached(session)], "client"
    )
    by_channel: dict[str, list[Reminder]] = {}
    for row in rows:
        by_channel.setdefault(row.channel, []).append(row)
    for name, channel_rows in by_channel.items():
        # A channel nobody registered fails each of its rows below, with the reason on it.
        with contextlib.suppress(UnknownChannel):
            channel_for(name).prepare(channel_rows)
    return rows


# The row's lock, with what may have changed since its batch was read: its attempts (another
# delivery may have tried it) and its session's state and time. Written out and prepared,
# like ``_record``.
LOCK_CLAIMED_SQL = """
SELECT reminder.attempts, booking.status, booking.starts_at
FROM booking_reminder reminder
LEFT JOIN booking_booking booking ON booking.id = reminder.booking_id
WHERE reminder.id = %s AND reminder.status = 'sending'
"""
SKIP_IF_LOCKED = "FOR UPDATE OF reminder SKIP LOCKED"


def _lock_claimed(loaded: Reminder) -> Reminder | None:
    """Lock the row (and it alone) if it is still claimed and free; None when it is not ours.

    Its attempts are read afresh under the lock, and with them the session's state and time,
    so a session cancelled or moved since the batch was read is seen (its reminders were
    cancelled in the same commit, too). The rest is as read for the batch a moment before:
    what a claimed row says does not change, nor (for this message) do her account, the
    clinic and the session's flags.
    """
    sql = LOCK_CLAIMED_SQL
    # SQLite (the embedded default) has no row locks: its writers take turns on the file.
    if connection.features.has_select_for_update_skip_locked:
        sql += SKIP_IF_LOCKED
    with prepared_cursor() as cursor:
        cursor.execute(sql, [loaded.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    loaded.attempts, session_status, session_starts_at = row
    if loaded.booking_id:
        loaded.booking.status = session_status
        loaded.booking.starts_at = loaded_value(
            Booking._meta.get_field("starts_at"), session_starts_at, connection
        )
    return loaded


def _failed_attempt(reminder: Reminder, exc: Exception, *, now: dt.datetime) -> SendResult:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if reminder.attempts >= MAX_SEND_ATTEMPTS:
        _finish(reminder, Reminder.Status.FAILED, last_error=error)
        logger.warning("Message %s failed for good: %s", reminder.pk, error)
        return SendResult(Outcome.FAILED)
    delay = retry_delay(reminder.attempts)
    # Keep the claim through the backoff, so dispatch does not hand it out meanwhile.
    _record(
        reminder,
        attempts=reminder.attempts,
        last_error=error,
        claimed_until=now + delay + CLAIM_LEASE,
    )
    return SendResult(Outcome.RETRY, retry_in=delay)


class BatchConnections:
    """One connection per channel for a whole batch: opened for its first message, reused
    for the rest, and closed only after the batch's last row is committed.

    A connection that failed a message may be in any state (half-way through a command, or
    hung up on): it is set aside, to be closed with the others, and the channel's next
    message opens a fresh one.
    """

    def __init__(self) -> None:
        self._open: dict[str, Connection] = {}
        self._set_aside: list[Connection] = []

    def send(self, channel: Channel, message) -> str | None:
        connection = self._open.get(channel.name)
        if connection is None:
            connection = self._open[channel.name] = channel.open()
        try:
            return connection.send(message)
        except Exception:
            self._set_aside.append(self._open.pop(channel.name))
            raise

    def close(self) -> None:
        for server in [*self._set_aside, *self._open.values()]:
            try:
                server.close()
            except Exception:
                # The outcomes are recorded; a server that hangs up rudely changes nothing.
                logger.warning("Closing a connection to a message server failed")
        self._open.clear()
        self._set_aside.clear()


def _send_locked(reminder: Reminder, connections: BatchConnections) -> SendResult:
    """Check, compose and send a locked row; record the outcome on it (caller commits)."""
    # A deleted (anonymised) or deactivated account gets nothing more; a channel she has
    # since turned off (texted STOP) nothing more on it.
    if (
        not reminder.recipient.is_active
        or texts.no_longer_texted(reminder)
        or reminder_rules.no_longer_wanted(reminder)
    ):
        _finish(reminder, Reminder.Status.CANCELLED)
        return SendResult(Outcome.CANCELLED)
    now = timezone.now()
    too_late_at = reminder_rules.useful_until(reminder)
    if too_late_at is not None and now >= too_late_at:
        _finish(reminder, Reminder.Status.SKIPPED)
        logger.info("Message %s skipped: found too late to help", reminder.pk)
        return SendResult(Outcome.SKIPPED)
    held_until = quiet_hours.held_until(reminder, now=now)
    if held_until is not None:
        _finish(reminder, Reminder.Status.PENDING, send_at=held_until)
        logger.info("Message %s held for the quiet hours until %s", reminder.pk, held_until)
        return SendResult(Outcome.HELD)
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
        provider_id = connections.send(channel, message)
    except Exception as exc:
        # Whatever the channel raises counts as a failed attempt, so even an unforeseen
        # error ends in "failed" for the admin instead of retrying forever.
        return _failed_attempt(reminder, exc, now=now)
    _finish(
        reminder,
        Reminder.Status.SENT,
        sent_at=timezone.now(),
        last_error="",
        provider_id=provider_id or "",
    )
    return SendResult(Outcome.SENT)


def _send_one(loaded: Reminder, connections: BatchConnections) -> SendResult:
    # Its own transaction: the row is locked from the checks through the server's reply,
    # and its outcome is committed before the batch moves on to the next row.
    with transaction.atomic():
        reminder = _lock_claimed(loaded)
        if reminder is None:
            return NOTHING_TO_DO
        return _send_locked(reminder, connections)


def send_claimed_reminders(*, reminder_ids: list[int]) -> dict[int, SendResult]:
    """Send a batch of claimed rows, one connection per channel; each row's outcome by id.

    The batch is read in a fixed number of queries; then each row in turn is locked, checked,
    handed to the server and its outcome committed (two statements a row), so a batch stopped
    at any point has recorded every message the server took, bar the one in flight (see the
    module docstring). Rows another worker holds, already finished or no longer claimed are
    ``NOTHING_TO_DO``; a row that fails is ``RETRY`` (or ``FAILED``) without holding the
    others up. The connections say goodbye after the last commit.
    """
    results = dict.fromkeys(reminder_ids, NOTHING_TO_DO)
    connections = BatchConnections()
    try:
        for loaded in _load_batch(reminder_ids):
            results[loaded.pk] = _send_one(loaded, connections)
    finally:
        connections.close()
    return results


def send_claimed_reminder(*, reminder_id: int) -> SendResult:
    """``send_claimed_reminders`` for one row."""
    return send_claimed_reminders(reminder_ids=[reminder_id])[reminder_id]


def enqueue_retries(results: dict[int, SendResult]) -> None:
    """Put the rows that asked for a retry back on the broker, each after its backoff.

    Only those rows: the rest of their batch is done and is not sent again.
    """
    waiting: dict[dt.timedelta, list[int]] = {}
    for reminder_id, result in results.items():
        if result.outcome is Outcome.RETRY:
            waiting.setdefault(result.retry_in, []).append(reminder_id)
    for delay, reminder_ids in waiting.items():
        _put_on_broker(reminder_ids, countdown=delay.total_seconds())
