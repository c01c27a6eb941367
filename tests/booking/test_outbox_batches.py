"""Sending in batches: one connection per batch, each row's outcome committed before the next.

A batch stopped anywhere (a worker dying, the server refusing a message) leaves every message
the server took recorded as sent, except at most the one in flight; a failing message is
retried on its own, and the rest of its batch is not sent again.
"""

import datetime as dt
import smtplib
import threading
from collections import Counter

import pytest
from celery import current_app
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, connections

from accounts.models import User
from booking import sms
from booking.models import Reminder
from booking.services.outbox import (
    Outcome,
    claim_due_reminders,
    retry_delay,
    send_claimed_reminders,
)
from booking.sms.backends.locmem import SmsBackend as LocmemSmsBackend
from booking.tasks import send_reminders
from safety.models import PregnancyProfile
from tests.booking.test_reminders_sending import due_reminder, message_ids


class WorkerDied(BaseException):
    """The worker process is killed: nothing after this point runs, nothing is committed."""


class MailServer(LocmemBackend):
    """The test mail server, scripted per test: which recipients it refuses, when the worker
    dies, and what another database connection sees as each message arrives."""

    opened = 0
    closed = 0
    refuse: set[str] = set()
    die_before: str = ""
    die_after: str = ""
    watch_commits = False
    committed_when_sent: list[int] = []

    def open(self):
        type(self).opened += 1
        return super().open()

    def close(self):
        type(self).closed += 1
        return super().close()

    def send_messages(self, messages):
        [message] = messages
        [to] = message.to
        if to in self.refuse:
            raise smtplib.SMTPRecipientsRefused({to: (550, b"No such mailbox")})
        if to == self.die_before:
            raise WorkerDied
        if self.watch_commits:
            self.committed_when_sent.append(rows_committed_as_sent())
        accepted = super().send_messages(messages)
        if to == self.die_after:
            raise WorkerDied
        return accepted


def rows_committed_as_sent() -> int:
    """What another connection (another worker, the admin's page) sees as sent right now."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM booking_reminder WHERE status = 'sent'")
            return cursor.fetchone()[0]
    finally:
        other.close()


@pytest.fixture
def mail_server(settings):
    settings.EMAIL_BACKEND = f"{__name__}.MailServer"
    MailServer.opened = MailServer.closed = 0
    MailServer.refuse, MailServer.die_before, MailServer.die_after = set(), "", ""
    MailServer.watch_commits, MailServer.committed_when_sent = False, []
    return MailServer


def claimed_batch(therapist, size: int) -> list[Reminder]:
    reminders = [due_reminder(therapist) for _ in range(size)]
    assert sorted(claim_due_reminders()) == [r.pk for r in reminders]
    return reminders


def ids(reminders) -> list[int]:
    return [r.pk for r in reminders]


def once_each(reminders) -> Counter:
    return Counter({f"<reminder-{r.pk}@bolster>": 1 for r in reminders})


def statuses(reminders) -> list[str]:
    by_id = dict(Reminder.objects.filter(pk__in=ids(reminders)).values_list("pk", "status"))
    return [by_id[r.pk] for r in reminders]


@pytest.mark.django_db(transaction=True)
def test_a_batch_uses_one_connection_and_commits_each_row_before_sending_the_next(
    therapist, mail_server
):
    batch = claimed_batch(therapist, 5)
    mail_server.watch_commits = True

    results = send_claimed_reminders(reminder_ids=ids(batch))

    assert {results[pk].outcome for pk in ids(batch)} == {Outcome.SENT}
    assert (mail_server.opened, mail_server.closed) == (1, 1)
    # As the n-th message reaches the server, the n - 1 before it are already committed.
    assert mail_server.committed_when_sent == [0, 1, 2, 3, 4]
    assert message_ids(mail.outbox) == once_each(batch)


@pytest.mark.django_db(transaction=True)
def test_a_worker_dying_mid_batch_before_the_server_takes_a_message_sends_each_once(
    therapist, mail_server
):
    batch = claimed_batch(therapist, 6)
    mail_server.die_before = batch[3].booking.client.email

    with pytest.raises(WorkerDied):
        send_claimed_reminders(reminder_ids=ids(batch))

    assert statuses(batch) == [Reminder.Status.SENT] * 3 + [Reminder.Status.SENDING] * 3
    assert mail_server.closed == mail_server.opened == 1
    # The broker hands the whole batch out again (its task was never acknowledged).
    mail_server.die_before = ""
    results = send_claimed_reminders(reminder_ids=ids(batch))

    assert [results[pk].outcome for pk in ids(batch)] == [Outcome.NOTHING_TO_DO] * 3 + [
        Outcome.SENT
    ] * 3
    assert message_ids(mail.outbox) == once_each(batch)
    assert [r.attempts for r in Reminder.objects.filter(pk__in=ids(batch))] == [1] * 6


@pytest.mark.django_db(transaction=True)
def test_a_worker_dying_after_the_server_took_a_message_repeats_that_one_message_only(
    therapist, mail_server
):
    batch = claimed_batch(therapist, 6)
    # The server has taken the fourth message; the worker dies before "sent" is committed.
    mail_server.die_after = batch[3].booking.client.email

    with pytest.raises(WorkerDied):
        send_claimed_reminders(reminder_ids=ids(batch))
    mail_server.die_after = ""
    send_claimed_reminders(reminder_ids=ids(batch))

    # The one window no protocol closes: that message goes twice, under the same Message-ID.
    assert message_ids(mail.outbox) == once_each(batch) + once_each([batch[3]])
    assert set(statuses(batch)) == {Reminder.Status.SENT}


@pytest.mark.django_db
def test_a_refused_message_is_retried_alone_and_the_rest_of_its_batch_is_not_sent_again(
    therapist, mail_server, monkeypatch
):
    batch = claimed_batch(therapist, 5)
    refused = batch[2]
    mail_server.refuse = {refused.booking.client.email}
    queued = []
    monkeypatch.setattr(
        current_app,
        "send_task",
        lambda name, args, countdown=None, **kwargs: queued.append((name, args, countdown)),
    )

    outcomes = send_reminders.apply(args=(ids(batch),)).get()

    assert outcomes == {"sent": 4, "retry": 1}
    assert queued == [
        ("booking.tasks.send_reminders", ([refused.pk],), retry_delay(1).total_seconds())
    ]
    # The refused message did not spoil the connection for those after it.
    assert mail_server.opened == mail_server.closed == 2
    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == (Reminder.Status.SENDING, 1)
    assert "No such mailbox" in refused.last_error

    # The retry, once the mailbox exists: that message alone goes out.
    mail_server.refuse = set()
    [(_, retry_args, _)] = queued
    assert send_reminders.apply(args=retry_args).get() == {"sent": 1}

    assert message_ids(mail.outbox) == once_each(batch)
    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == (Reminder.Status.SENT, 2)


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_delivered_to_two_workers_at_once_sends_each_message_once(therapist):
    batch = claimed_batch(therapist, 30)
    start = threading.Barrier(2)
    errors = []

    def worker():
        # Each thread has its own database connection, like two worker processes.
        try:
            start.wait()
            send_claimed_reminders(reminder_ids=ids(batch))
        except Exception as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert message_ids(mail.outbox) == once_each(batch)
    assert set(statuses(batch)) == {Reminder.Status.SENT}


# Reading a batch: the rows with their sessions and recipients, and the sessions' open flags.
# Each row then costs what keeps a crash from repeating more than one message: a savepoint,
# its lock, its outcome, the release (in production: the lock, the outcome and a commit).
READ_A_BATCH = 2
PER_ROW = 4


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_a_batch_of_emails_costs_a_fixed_read_and_one_locked_write_per_row(
    size, therapist, django_assert_num_queries
):
    batch = claimed_batch(therapist, size)

    with django_assert_num_queries(READ_A_BATCH + PER_ROW * size):
        results = send_claimed_reminders(reminder_ids=ids(batch))

    assert Counter(result.outcome for result in results.values()) == {Outcome.SENT: size}
    assert len(mail.outbox) == size


class CountingSmsBackend(LocmemSmsBackend):
    opened = 0

    def open(self):
        type(self).opened += 1
        return super().open()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 8])
def test_a_batch_of_texts_uses_one_provider_client_and_reads_the_numbers_once(
    size, therapist, settings, django_assert_num_queries
):
    settings.SMS_BACKEND = f"{__name__}.CountingSmsBackend"
    CountingSmsBackend.opened = 0
    sms.outbox.clear()
    clinic = therapist.clinic
    clinic.quiet_hours_start = clinic.quiet_hours_end = dt.time(0)  # no quiet hours
    clinic.save()
    batch = []
    for n in range(size):
        email = due_reminder(therapist)
        client = email.booking.client
        User.objects.filter(pk=client.pk).update(message_channels=User.MessageChannels.SMS)
        PregnancyProfile.objects.filter(client=client).update(phone=f"+4474009002{n:02d}")
        batch.append(
            Reminder.objects.create(
                booking=email.booking, kind="24h", channel="sms", send_at=email.send_at
            )
        )
        email.delete()
    assert sorted(claim_due_reminders()) == ids(batch)

    # The batch's read, plus one query for all of its numbers.
    with django_assert_num_queries(READ_A_BATCH + 1 + PER_ROW * size):
        results = send_claimed_reminders(reminder_ids=ids(batch))

    assert Counter(result.outcome for result in results.values()) == {Outcome.SENT: size}
    assert CountingSmsBackend.opened == 1
    assert sorted(text.to for text in sms.outbox) == [f"+4474009002{n:02d}" for n in range(size)]


@pytest.mark.django_db
def test_a_batch_prepares_its_per_row_statements_once_on_the_connection(therapist):
    # psycopg prepares a statement once it has run a few times on the connection.
    batch = claimed_batch(therapist, 8)

    send_claimed_reminders(reminder_ids=ids(batch))

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert sum("FOR UPDATE OF reminder SKIP LOCKED" in s for s in prepared) == 1
    assert sum(s.startswith("UPDATE booking_reminder") for s in prepared) == 1
