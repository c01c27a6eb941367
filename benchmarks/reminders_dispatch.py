"""10,000 due reminders dispatched and sent by one Celery worker: time, rate, duplicates, missing.

Run on demand: ``.venv/bin/python benchmarks/reminders_dispatch.py [--count N] [--concurrency C]``.
It makes a scratch PostgreSQL database next to the one in ``DATABASE_URL`` (dropped at the
end), starts its own ``redis-server`` on a free port as the broker, writes N reminders that
are due now, starts one ``celery -A config worker`` and asks it to dispatch, as the scheduler
would. E-mails go to Django's file backend; every Message-ID found there is counted, so a
reminder sent twice shows as a duplicate and one never sent as missing. Target: 10,000 in
under a minute, no duplicates, none missing.
"""

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import support

MESSAGE_ID = re.compile(rb"^Message-ID: <reminder-(\d+)@bolster>", re.MULTILINE)
SESSIONS_PER_THERAPIST = 200


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


def count_messages(mail_dir: Path) -> Counter:
    found = Counter()
    for path in mail_dir.iterdir():
        found.update(int(m) for m in MESSAGE_ID.findall(path.read_bytes()))
    return found


def dispatch(args: argparse.Namespace, database_url: str) -> int:
    """Start a broker and one worker on the scratch database, send every reminder, report."""
    workdir = Path(tempfile.mkdtemp(prefix="reminders-bench-"))
    mail_dir = workdir / "mail"
    mail_dir.mkdir()
    redis_process, broker_url = support.start_redis(workdir)
    env = {
        # Measured as production runs it.
        **support.production_env(),
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    worker = None
    try:
        support.manage(env, ["migrate", "--noinput"])
        os.environ.update(env)
        support.setup_django()
        from celery import current_app

        from booking.models import Reminder
        from booking.tasks import dispatch_due_reminders

        print(f"Writing {args.count:,} due reminders …", flush=True)
        write_due_reminders(args.count)

        log = workdir / "worker.log"
        with log.open("wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker"]
                + [f"--concurrency={args.concurrency}", "--loglevel=INFO"]
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

        started = time.perf_counter()
        with current_app.connection_for_write(broker_url) as broker:
            dispatch_due_reminders.apply_async(connection=broker)
        unfinished = Reminder.objects.filter(
            status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING]
        )
        deadline = time.monotonic() + args.timeout
        while unfinished.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        statuses = Counter(Reminder.objects.values_list("status", flat=True))
        sent = statuses[Reminder.Status.SENT]
        # Give any repeated task a moment to (wrongly) send again before counting.
        time.sleep(2)

        messages = count_messages(mail_dir)
        expected = set(Reminder.objects.values_list("pk", flat=True))
        duplicates = sum(n - 1 for n in messages.values() if n > 1)
        missing = len(expected - set(messages))
        print(f"reminders:        {args.count:,}")
        print(f"worker:           1 (prefork, concurrency {args.concurrency})")
        print(f"total time:       {elapsed:.1f} s (dispatch asked → last one marked sent)")
        print(f"e-mails / second: {sent / elapsed:.0f}")
        print(f"sent (database):  {sent:,}   other states: {dict(statuses - Counter(sent=sent))}")
        print(f"duplicates:       {duplicates}")
        print(f"missing:          {missing}")
        ok = duplicates == 0 and missing == 0 and elapsed < 60
        print("target met" if ok else "TARGET MISSED (10,000 in < 60 s, 0 duplicates, 0 missing)")
        return 0 if ok else 1
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        redis_process.kill()
        redis_process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    with support.scratch_database("reminders_bench") as database_url:
        return dispatch(args, database_url)


if __name__ == "__main__":
    sys.exit(main())
