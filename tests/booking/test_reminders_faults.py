"""Fault tests: real Celery workers and a real Redis, killed mid-batch; no reminder lost or doubled.

Each test runs its own ``redis-server`` on a free port (never the shared one) and counts what
was actually sent from Django's file e-mail backend, by Message-ID.
"""

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import current_app
from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend
from django.db import connection
from django.utils import timezone

from booking.models import Reminder
from booking.tasks import dispatch_due_reminders
from tests.factories import BookingFactory, SlotFactory, TherapistFactory, UserFactory

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

SMTP_SECONDS = 0.2
LEASE_SECONDS = 2
MESSAGE_ID = re.compile(rb"^Message-ID: (<reminder-\d+@bolster>)", re.MULTILINE)


class SlowFileBackend(FileEmailBackend):
    """The file backend behind a mail server that takes a while to answer.

    Before "talking to the server" it writes the Message-ID to ``<EMAIL_FILE_PATH>.inflight``
    so a test can kill the worker while a message is in the middle of being sent.
    """

    def send_messages(self, email_messages):
        marker = Path(f"{self.file_path}.inflight")
        for message in email_messages:
            marker.write_text(message.extra_headers.get("Message-ID", ""))
        time.sleep(float(os.environ.get("REMINDER_TEST_SMTP_SECONDS", SMTP_SECONDS)))
        return super().send_messages(email_messages)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


class RedisServer:
    """A throwaway redis-server without persistence: a restart loses every queued message."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=10, what="redis-server to start")

    def _answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis.ConnectionError:
            return False

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self):
        self.kill()
        self.start()

    def queue_length(self) -> int:
        """Tasks waiting on either queue: dispatch (periodic) and sends (outbox)."""
        server = redis.Redis(port=self.port)
        return sum(server.llen(queue) for queue in ("periodic", "outbox"))


class Worker:
    """``celery -A config worker`` in its own process group, on the test database."""

    def __init__(self, *, broker_url: str, mail_dir: Path, log: Path, name: str):
        database = connection.settings_dict
        password = f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
        env = {
            **os.environ,
            # The test database pytest-django made, not the one DATABASE_URL names.
            "DATABASE_URL": (
                f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}"
                f"/{database['NAME']}"
            ),
            "REDIS_URL": broker_url,
            "EMAIL_BACKEND": f"{__name__}.SlowFileBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=1",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"{name}@%h",
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self):
        wait_until(
            lambda: b" ready." in self.log.read_bytes(), timeout=30, what="the worker to start"
        )

    def kill(self):
        """SIGKILL the whole worker (main process and pool), as when its machine dies."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def workers(own_redis, mail_dir, tmp_path):
    started = []

    def start(name: str) -> Worker:
        worker = Worker(
            broker_url=own_redis.url, mail_dir=mail_dir, log=tmp_path / "worker.log", name=name
        )
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.kill()


def due_reminders(count: int) -> list[Reminder]:
    """``count`` 24 h reminders that fell due a minute ago, each for its own session."""
    therapist = TherapistFactory()
    reminders = []
    for n in range(count):
        starts_at = (timezone.now() + dt.timedelta(hours=20 + 2 * n)).replace(microsecond=0)
        slot = SlotFactory(
            therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
        )
        booking = BookingFactory(slot=slot, client=UserFactory())
        reminders.append(
            Reminder.objects.create(
                booking=booking, kind="24h", send_at=timezone.now() - dt.timedelta(minutes=1)
            )
        )
    return reminders


def dispatch_via(broker_url: str):
    """Ask a worker on ``broker_url`` to run dispatch, as the scheduler would."""
    with current_app.connection_for_write(broker_url) as broker:
        dispatch_due_reminders.apply_async(
            kwargs={"lease_seconds": LEASE_SECONDS}, connection=broker
        )


def sent_message_ids(mail_dir: Path) -> Counter:
    found = Counter()
    for path in mail_dir.iterdir():
        found.update(m.decode() for m in MESSAGE_ID.findall(path.read_bytes()))
    return found


def count_sent() -> int:
    return Reminder.objects.filter(status=Reminder.Status.SENT).count()


def expected_ids(reminders) -> Counter:
    return Counter({f"<reminder-{r.pk}@bolster>": 1 for r in reminders})


def settle(own_redis, reminders, mail_dir, *, timeout: float):
    """Re-run dispatch as the scheduler would until every reminder is sent and the queue empty."""
    deadline = time.monotonic() + timeout
    while count_sent() < len(reminders) or own_redis.queue_length():
        assert time.monotonic() < deadline, f"only {count_sent()} of {len(reminders)} sent"
        dispatch_via(own_redis.url)
        time.sleep(LEASE_SECONDS + 0.5)
    # The last task taken off the queue may still be finishing: let it.
    time.sleep(SMTP_SECONDS * 3)


def test_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    own_redis, workers, mail_dir
):
    reminders = due_reminders(30)
    first = workers("first")
    dispatch_via(own_redis.url)
    wait_until(lambda: count_sent() >= 8, timeout=20, what="a third of the batch to go out")

    # Kill it while a message is half-way through the mail server.
    marker = Path(f"{mail_dir}.inflight")
    before = marker.read_text()
    wait_until(lambda: marker.read_text() != before, timeout=5, what="the next send to start")
    time.sleep(SMTP_SECONDS / 4)
    first.kill()
    interrupted = int(re.search(r"\d+", marker.read_text()).group())
    assert Reminder.objects.get(pk=interrupted).status == Reminder.Status.SENDING
    assert count_sent() < len(reminders)

    workers("second")
    settle(own_redis, reminders, mail_dir, timeout=40)

    assert sent_message_ids(mail_dir) == expected_ids(reminders)
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
    assert Reminder.objects.get(pk=interrupted).attempts == 1


def test_pool_process_killed_mid_send_is_redelivered_without_waiting_for_the_lease(
    own_redis, workers, mail_dir
):
    reminders = due_reminders(12)
    worker = workers("pool")
    dispatch_via(own_redis.url)
    wait_until(lambda: count_sent() >= 3, timeout=20, what="the first few to go out")

    marker = Path(f"{mail_dir}.inflight")
    before = marker.read_text()
    wait_until(lambda: marker.read_text() != before, timeout=5, what="the next send to start")
    time.sleep(SMTP_SECONDS / 4)
    [pool_process] = subprocess.run(
        ["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True, check=True
    ).stdout.split()
    os.kill(int(pool_process), signal.SIGKILL)

    # No second dispatch: the worker rejects the lost task back onto the queue itself.
    wait_until(
        lambda: count_sent() == len(reminders) and not own_redis.queue_length(),
        timeout=30,
        what="every reminder to be sent",
    )
    time.sleep(SMTP_SECONDS * 3)
    assert sent_message_ids(mail_dir) == expected_ids(reminders)
    assert b"WorkerLostError" in worker.log.read_bytes()


def test_redis_restarted_mid_dispatch_loses_nothing_and_sends_nothing_twice(
    own_redis, workers, mail_dir
):
    reminders = due_reminders(30)
    workers("only")
    dispatch_via(own_redis.url)
    wait_until(lambda: count_sent() >= 8, timeout=20, what="a third of the batch to go out")

    own_redis.restart()  # every queued send task is gone with it

    assert own_redis.queue_length() == 0
    assert count_sent() < len(reminders)
    settle(own_redis, reminders, mail_dir, timeout=45)

    assert sent_message_ids(mail_dir) == expected_ids(reminders)
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
