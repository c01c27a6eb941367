"""10,000 due reminders dispatched and sent by one Celery worker, against a bare SMTP sink.

Run on demand: ``.venv/bin/python benchmarks/reminders_dispatch.py [--count N] [--concurrency C]``.
The worker runs as many pool processes as the Procfile's ``outbox`` worker unless told.
It makes a scratch PostgreSQL database next to the one in ``DATABASE_URL`` (dropped at the
end), starts its own ``redis-server`` on a free port as the broker and its own SMTP sink
(aiosmtpd, in a process of its own) that logs the Message-ID of every message it accepts.

Two figures are taken back to back in the same run, so a busy machine slows both alike:

1. the sink's own rate: a bare loop handing it N messages the size of a real reminder over
   one ``smtplib`` connection (no database, no templates, no broker);
2. the app's rate: N reminders due now, one ``celery -A config worker`` asked to dispatch as
   the scheduler would, timed from that request until the last row is marked sent.

The sink's log tells a reminder sent twice (duplicate) from one never sent (missing).
Targets: all N in under a minute, the app at half the sink's rate or better, no duplicates,
none missing.
"""

import argparse
import asyncio
import datetime as dt
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import support

REMINDER_ID = re.compile(rb"^<reminder-(\d+)@bolster>$")
SESSIONS_PER_THERAPIST = 200
PROCFILE_CONCURRENCY = re.compile(r"^worker:.*\s--concurrency=(\d+)", re.MULTILINE)


def procfile_concurrency() -> int:
    """The pool processes of the Procfile's ``outbox`` worker: measured as it runs."""
    found = PROCFILE_CONCURRENCY.search((support.ROOT / "Procfile").read_text())
    if found is None:
        raise RuntimeError("The Procfile's worker line names no --concurrency")
    return int(found.group(1))


# --- The SMTP sink ---------------------------------------------------------------------------


class MessageIdLog:
    """aiosmtpd handler: accept every message and write its Message-ID, one per line."""

    HEADER = re.compile(rb"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)

    def __init__(self, log: Path):
        self.log = log.open("ab", buffering=0)

    async def handle_DATA(self, server, session, envelope):
        found = self.HEADER.search(envelope.content)
        self.log.write((found.group(1) if found else b"-") + b"\n")
        return "250 Message accepted for delivery"


def serve_sink(port: int, log: Path) -> None:
    """Run the sink until killed (the body of the sink's own process)."""
    from aiosmtpd.controller import Controller

    controller = Controller(MessageIdLog(log), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


def start_sink(workdir: Path) -> tuple[subprocess.Popen, int, Path]:
    port = support.free_port()
    log = workdir / "sink.log"
    log.touch()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-sink", str(port), str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=1) as smtp:
                smtp.noop()
            return process, port, log
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the SMTP sink did not start")


def read_sink_log(log: Path) -> list[bytes]:
    return log.read_bytes().splitlines()


def bare_sink_rate(port: int, sample: bytes, count: int) -> float:
    """Messages a second the sink takes from a bare loop over one smtplib connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
        for n in range(count):
            message = sample.replace(b"Message-ID: <", f"Message-ID: <bare-{n}.".encode(), 1)
            smtp.sendmail("bookings@bolster.example", [f"client{n}@benchmark.example"], message)
    return count / (time.perf_counter() - started)


# --- The app -----------------------------------------------------------------------------------


def write_due_reminders(count: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from booking.models import Booking, Reminder, Slot
    from clinics.models import Clinic, Therapist

    clinic = Clinic.objects.create(
        name="Benchmark Clinic",
        slug="benchmark-clinic",
        address="1 High Street\nLondon\nN1 1AA",
        phone="+44 20 7946 0000",
        email="hello@benchmark.example",
    )
    password = make_password(None)
    therapists_needed = -(-count // SESSIONS_PER_THERAPIST)
    staff = User.objects.bulk_create(
        User(email=f"therapist{n}@benchmark.example", password=password)
        for n in range(therapists_needed)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(user=user, clinic=clinic, display_name=f"Therapist {n}", slug=f"t-{n}")
        for n, user in enumerate(staff)
    )
    clients = User.objects.bulk_create(
        (User(email=f"client{n}@benchmark.example", password=password) for n in range(count)),
        batch_size=2000,
    )
    # Every session is well over 12 hours ahead, so its 24 h reminder is still worth sending.
    first = (timezone.now() + dt.timedelta(hours=14)).replace(minute=0, second=0, microsecond=0)
    slots = Slot.objects.bulk_create(
        (
            Slot(
                therapist=therapists[n // SESSIONS_PER_THERAPIST],
                starts_at=first + dt.timedelta(hours=2 * (n % SESSIONS_PER_THERAPIST)),
                ends_at=first + dt.timedelta(hours=2 * (n % SESSIONS_PER_THERAPIST) + 1),
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    bookings = Booking.objects.bulk_create(
        (
            Booking(client=client, slot=slot, starts_at=slot.starts_at, ends_at=slot.ends_at)
            for client, slot in zip(clients, slots, strict=True)
        ),
        batch_size=2000,
    )
    due = timezone.now() - dt.timedelta(minutes=1)
    Reminder.objects.bulk_create(
        (
            Reminder(booking=booking, recipient_id=booking.client_id, kind="24h", send_at=due)
            for booking in bookings
        ),
        batch_size=2000,
    )


def sample_reminder_email() -> bytes:
    """One real reminder e-mail, as the worker would write it, for the bare loop to repeat."""
    from booking import emails
    from booking.models import Reminder

    reminder = Reminder.objects.select_related(
        "recipient", "booking__client", "booking__slot__therapist__clinic"
    ).first()
    return emails.compose(reminder).message().as_bytes(linesep="\r\n")


def start_worker(env: dict, log: Path, concurrency: int) -> subprocess.Popen:
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker"]
            + [f"--concurrency={concurrency}", "--loglevel=INFO", "-Q", "periodic,outbox"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=support.ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if time.monotonic() > deadline or worker.poll() is not None:
            raise RuntimeError(f"The worker did not start; see {log}")
        time.sleep(0.1)
    return worker


def app_send_time(broker_url: str, timeout: float) -> float:
    """Ask the worker to dispatch and wait until no row is left to send; seconds taken."""
    from celery import current_app

    from booking.models import Reminder
    from booking.tasks import dispatch_due_reminders

    started = time.perf_counter()
    with current_app.connection_for_write(broker_url) as broker:
        dispatch_due_reminders.apply_async(connection=broker)
    unfinished = Reminder.objects.filter(
        status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING]
    )
    deadline = time.monotonic() + timeout
    while unfinished.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return time.perf_counter() - started


def run(args: argparse.Namespace, database_url: str) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="reminders-bench-"))
    redis_process, broker_url = support.start_redis(workdir)
    sink, sink_port, sink_log = start_sink(workdir)
    env = {
        # Measured as production runs it.
        **support.production_env(),
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    worker = None
    try:
        support.manage(env, ["migrate", "--noinput"])
        os.environ.update(env)
        support.setup_django()
        from booking.models import Reminder

        print(f"Writing {args.count:,} due reminders …", flush=True)
        write_due_reminders(args.count)
        sample = sample_reminder_email()
        worker = start_worker(env, workdir / "worker.log", args.concurrency)

        # Back to back: the bare loop, the app, the bare loop again; the faster bare figure
        # is the one compared, so a quiet moment for the baseline cannot flatter the app.
        bare_before = bare_sink_rate(sink_port, sample, args.count)
        elapsed = app_send_time(broker_url, args.timeout)
        bare_after = bare_sink_rate(sink_port, sample, args.count)
        bare = max(bare_before, bare_after)

        statuses = Counter(Reminder.objects.values_list("status", flat=True))
        sent = statuses[Reminder.Status.SENT]
        # Give any repeated task a moment to (wrongly) send again before counting.
        time.sleep(2)
        received = Counter(
            int(found.group(1))
            for line in read_sink_log(sink_log)
            if (found := REMINDER_ID.match(line))
        )
        expected = set(Reminder.objects.values_list("pk", flat=True))
        duplicates = sum(n - 1 for n in received.values() if n > 1)
        missing = len(expected - set(received))
        app_rate = sent / elapsed

        print(f"reminders:          {args.count:,} ({len(sample):,} bytes each)")
        print(f"worker:             1 (prefork, concurrency {args.concurrency})")
        print(f"bare SMTP sink:     {bare_before:.0f} / s before, {bare_after:.0f} / s after")
        print(f"app:                {app_rate:.0f} / s ({sent:,} sent in {elapsed:.1f} s)")
        print(f"other states:       {dict(statuses - Counter({Reminder.Status.SENT: sent}))}")
        targets = support.Targets()
        # Unfinished at the time-out counts as never: the time to send all is unknown.
        all_sent_in = elapsed if sent == args.count else float("inf")
        targets.at_most(f"time to send all {args.count:,}", all_sent_in, 60, " s")
        targets.at_least("app rate / bare sink rate", app_rate / bare, 0.5)
        targets.at_most("duplicates", duplicates, 0)
        targets.at_most("missing", missing, 0)
        return targets.exit_code()
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        for process in (sink, redis_process):
            process.kill()
            process.wait()


def main() -> int:
    if sys.argv[1:2] == ["--serve-sink"]:
        serve_sink(int(sys.argv[2]), Path(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=procfile_concurrency())
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()

    with support.scratch_database("reminders_bench") as database_url:
        return run(args, database_url)


if __name__ == "__main__":
    sys.exit(main())
