"""50 people booking the same time at once, through the real HTTP endpoint.

Run on demand: ``.venv/bin/python benchmarks/concurrent_booking.py [--attempts N]
[--workers W] [--threads T]``. It makes a scratch PostgreSQL database next to the one in
``DATABASE_URL`` (dropped at the end), migrates it, writes one clinic, one open slot and N
clients who are ready to book (each already logged in), then starts gunicorn on 127.0.0.1 as
production runs it (DEBUG off) and has all N post "Book this session" for the same slot at
the same instant. It counts successes (a redirect to the confirmation), friendly refusals
(HTTP 409 saying "That time was just taken.") and errors (anything else), checks the database
holds exactly one booking for the slot and that exactly one confirmation e-mail went out, and
stops the server. Target: one success, N − 1 friendly refusals, no errors.
"""

import argparse
import datetime as dt
import os
import secrets
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import support

REFUSAL = b"That time was just taken."


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def prepare(attempts: int) -> tuple[int, list[str]]:
    """Migrate, write the clinic, the slot and the clients; return (slot id, session keys)."""
    support.setup_django()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from accounts.models import User
    from booking.models import Slot
    from clinics.models import Clinic, Therapist
    from safety.models import IntakeResponse, PregnancyProfile

    clinic = Clinic.objects.create(
        name="Race Clinic",
        slug="race-clinic",
        address="1 Test Street\nLondon",
        phone="+44 20 0000 0000",
        email="race@example.com",
    )
    therapist = Therapist.objects.create(
        user=User.objects.create_user(email="race-therapist@example.com", first_name="Rosa"),
        clinic=clinic,
        display_name="Rosa Lind",
        slug="rosa-lind",
    )
    starts_at = (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    slot = Slot.objects.create(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore
    session_keys = []
    for n in range(attempts):
        client = User.objects.create_user(email=f"client-{n}@example.com", first_name=f"C{n}")
        PregnancyProfile.objects.create(
            client=client,
            due_date=timezone.localdate() + dt.timedelta(weeks=20),
            phone="+44 7400 900000",
            emergency_contact_name="Partner",
            emergency_contact_phone="+44 7400 900001",
        )
        IntakeResponse.objects.create(client=client, consent_given_at=timezone.now())
        session = store()
        session[SESSION_KEY] = str(client.pk)
        session[BACKEND_SESSION_KEY] = "accounts.backends.RoleAwareBackend"
        session[HASH_SESSION_KEY] = client.get_session_auth_hash()
        session.create()
        session_keys.append(session.session_key)
    return slot.pk, session_keys


def serve(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen:
    support.manage(env, ["collectstatic", "--noinput"])
    return support.start_gunicorn(
        env, port, workers=workers, threads=threads, ready_path="/book/", attempts=100
    )


def attempt(url: str, session_key: str, barrier: threading.Barrier) -> tuple[str, int, float]:
    csrf = secrets.token_hex(16)  # a 32-character secret, as Django's CSRF cookie holds
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": csrf}).encode(),
        headers={"Cookie": f"sessionid={session_key}; csrftoken={csrf}"},
        method="POST",
    )
    opener = urllib.request.build_opener(NoRedirect)
    barrier.wait()
    started = time.perf_counter()
    try:
        response = opener.open(request, timeout=60)
        status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except OSError:
        return "error", 0, time.perf_counter() - started
    elapsed = time.perf_counter() - started
    if status == 302:
        return "booked", status, elapsed
    if status == 409 and REFUSAL in body:
        return "refused", status, elapsed
    return "error", status, elapsed


def race(args: argparse.Namespace, database_url: str) -> None:
    """Prepare the scratch database, serve it, have everyone book at once, and report."""
    mail_dir = tempfile.mkdtemp(prefix="bolster-race-mail-")
    env = {
        **support.production_env(),
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": mail_dir,
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    server = None
    try:
        slot_id, session_keys = prepare(args.attempts)
        port = support.free_port()
        server = serve(env, port, args.workers, args.threads)
        url = f"http://127.0.0.1:{port}/book/time/{slot_id}/"
        barrier = threading.Barrier(args.attempts)
        with ThreadPoolExecutor(max_workers=args.attempts) as pool:
            results = list(pool.map(lambda key: attempt(url, key, barrier), session_keys))

        from booking.models import Booking

        outcomes = [outcome for outcome, _, _ in results]
        latencies = sorted(elapsed * 1000 for _, _, elapsed in results)
        errors = sorted({status for outcome, status, _ in results if outcome == "error"})
        booked_rows = Booking.objects.filter(slot_id=slot_id, status="booked").count()
        mails = len(list(Path(mail_dir).iterdir()))
        print(
            f"{args.attempts} concurrent attempts on one slot "
            f"(gunicorn {args.workers} workers × {args.threads} threads, DEBUG off)"
        )
        print(
            f"successes: {outcomes.count('booked')}, friendly refusals: "
            f"{outcomes.count('refused')}, errors: {outcomes.count('error')}"
            + (f" (HTTP {', '.join(map(str, errors))})" if errors else "")
        )
        print(f"active bookings of the slot in the database: {booked_rows}")
        print(f"confirmation e-mails written: {mails}")
        print(
            f"response time: median {support.median(latencies):.0f} ms, max {latencies[-1]:.0f} ms"
        )
    finally:
        if server is not None:
            support.stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    with support.scratch_database("booking_race_bench") as database_url:
        race(args, database_url)


if __name__ == "__main__":
    main()
