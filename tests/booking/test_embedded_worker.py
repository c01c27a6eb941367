"""The one-command demo's workers (SQLite, filesystem broker) send each message once.

Runs the real Celery workers exactly as the Procfile that ``make run`` starts says (one for
the ``outbox`` queue with four processes, one for ``periodic``), against a fresh SQLite
database and broker folder, with no ``DATABASE_URL`` or ``REDIS_URL``. Pool processes
sending at once used to fail their ``sent`` update with "database is locked", leave the row
``sending`` and send it again once the lease ran out; here every message is handed to the
workers twice over, and each must still arrive exactly once.
"""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.fault

MESSAGE_ID = re.compile(rb"^Message-ID: (<reminder-\d+@bolster>)", re.MULTILINE)
MESSAGES = 24

# Run in the demo's own environment: 12 sessions booked through the service (12 confirmations,
# each enqueued on commit), 12 reminders fallen due; then dispatch twice, and every send task
# once more on top, as a broker redelivering everything would.
SET_UP = f"""
import datetime as dt
from django.utils import timezone
from booking.models import Reminder
from booking.services import book_session
from booking.services.outbox import enqueue_sends
from tests.booking.conftest import make_ready_client, slot_at
from tests.factories import BookingFactory, SlotFactory, TherapistFactory

therapist = TherapistFactory()
day = therapist.clinic.today() + dt.timedelta(days=5)
for hour in range(8, 20):
    book_session(client=make_ready_client(), slot=slot_at(therapist, day, dt.time(hour)))
for n in range({MESSAGES // 2}):
    starts_at = timezone.now() + dt.timedelta(days=10, hours=n)
    booking = BookingFactory(slot=SlotFactory(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    ))
    Reminder.objects.create(
        booking=booking, kind="24h", send_at=timezone.now() - dt.timedelta(minutes=1)
    )
"""

DISPATCH = """
from django.utils import timezone
from booking.models import Reminder
from booking.services.outbox import enqueue_sends
from booking.tasks import dispatch_due_reminders
dispatch_due_reminders.delay()
dispatch_due_reminders.delay()
due = Reminder.objects.exclude(status="pending", send_at__gt=timezone.now())
enqueue_sends(list(due.values_list("pk", flat=True)))
"""


def manage(env, *args, timeout=120):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
    )


def statuses(database: Path) -> Counter:
    with sqlite3.connect(database, timeout=30) as db:
        return Counter(status for (status,) in db.execute("SELECT status FROM booking_reminder"))


def sent_message_ids(mail_dir: Path) -> Counter:
    found = Counter()
    for path in mail_dir.iterdir():
        found.update(m.decode() for m in MESSAGE_ID.findall(path.read_bytes()))
    return found


def procfile_workers() -> list[list[str]]:
    """The Celery worker commands of the Procfile, run with this interpreter."""
    commands = []
    for line in (settings.BASE_DIR / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        args = command.split()
        if args and args[0].endswith("/celery") and "worker" in args:
            commands.append([sys.executable, "-m", "celery", *args[1:]])
    return commands


def test_make_run_starts_workers_for_both_queues():
    queues = [command[command.index("-Q") + 1] for command in procfile_workers()]
    assert sorted(queues) == ["outbox", "periodic"]


def test_the_embedded_default_workers_send_each_message_once(tmp_path):
    var, mail_dir = tmp_path / "var", tmp_path / "mail"
    var.mkdir()  # as the repository's var/ is there for make run
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(
        BOLSTER_VAR_DIR=str(var),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    database = var / "bolster.sqlite3"
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", SET_UP)
    assert statuses(database) == Counter(sending=MESSAGES // 2, pending=MESSAGES // 2 + 24)

    log = tmp_path / "worker.log"
    workers = []
    with log.open("wb") as out:
        for command in procfile_workers():
            workers.append(
                subprocess.Popen(
                    [*command, "--without-gossip", "--without-mingle"],
                    cwd=settings.BASE_DIR,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    try:
        manage(env, "shell", "-c", DISPATCH)
        deadline = time.monotonic() + 180
        while statuses(database)["sent"] < MESSAGES:
            assert all(w.poll() is None for w in workers), log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"{statuses(database)}\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
        # Every duplicate task, taken off the queue, must find its row sent and do nothing.
        queue = var / "broker" / "queue"
        while any(queue.iterdir()):
            assert time.monotonic() < deadline, f"{len(list(queue.iterdir()))} tasks left"
            time.sleep(0.5)
        time.sleep(2)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)  # a warm shutdown, as Ctrl-C in make run
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)

    worker_log = log.read_text()
    assert "database is locked" not in worker_log
    counts = statuses(database)
    sent = sent_message_ids(mail_dir)
    assert counts["sent"] == MESSAGES
    assert len(sent) == MESSAGES
    assert set(sent.values()) == {1}, [mid for mid, n in sent.items() if n > 1]
