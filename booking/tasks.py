"""Celery tasks of the booking app: they take ids, are idempotent and call services."""

import datetime as dt
import logging
from collections import Counter

from celery import shared_task
from django.db import transaction

from booking.services import outbox
from booking.services.outbox import (
    CLAIM_BATCH_SIZE,
    CLAIM_LEASE,
    Outcome,
    claim_due_reminders,
    send_claimed_reminder,
    send_claimed_reminders,
)
from booking.services.slots import ensure_slots_for_horizon

logger = logging.getLogger(__name__)

# One dispatch run stops after this many batches; the next run (a minute later) goes on.
MAX_BATCHES_PER_RUN = 100


@shared_task
def keep_slots_generated() -> int:
    """Hourly: lay out every active therapist's slots up to her clinic's booking horizon."""
    return ensure_slots_for_horizon()


@shared_task
def dispatch_due_reminders(
    batch_size: int = CLAIM_BATCH_SIZE, lease_seconds: float | None = None
) -> int:
    """Every minute: claim due messages batch by batch and enqueue send tasks for them.

    Exactly-once is the outbox's business (``booking.services.outbox``); two runs at once,
    or a run repeated after a crash, claim each message once. Runs on the ``periodic`` queue,
    the sends on ``outbox``, so a backlog of sends never holds dispatch up.
    """
    lease = dt.timedelta(seconds=lease_seconds) if lease_seconds is not None else CLAIM_LEASE
    claimed = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        with transaction.atomic():
            ids = claim_due_reminders(limit=batch_size, lease=lease)
            transaction.on_commit(lambda ids=ids: outbox.enqueue_sends(ids))
        claimed += len(ids)
        if len(ids) < batch_size:
            break
    return claimed


@shared_task
def send_reminders(reminder_ids: list[int]) -> dict[str, int]:
    """Send a batch of claimed outbox rows; a repeat delivery sends nothing more.

    Rows that failed go back on the broker on their own, after their backoff; attempts are
    counted on the rows (not by Celery) so that they survive a lost task. Returns how many
    rows ended each way.
    """
    results = send_claimed_reminders(reminder_ids=reminder_ids)
    outbox.enqueue_retries(results)
    return dict(Counter(result.outcome.value for result in results.values()))


@shared_task(bind=True, max_retries=None)
def send_reminder(self, reminder_id: int) -> str:
    """Send one claimed outbox row; a repeat delivery of this task sends nothing more.

    Sends are queued in batches (``send_reminders``); this one-row task still serves any
    queued by name before the batches came in.

    Attempts are counted on the row (not by Celery) so that they survive a lost task.
    """
    result = send_claimed_reminder(reminder_id=reminder_id)
    if result.outcome is Outcome.RETRY:
        raise self.retry(countdown=result.retry_in.total_seconds())
    return result.outcome.value
