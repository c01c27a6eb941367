"""What the benchmarks share: Django set-up, scratch databases, local servers, percentiles."""

import datetime as dt
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bolster"


def setup_django() -> None:
    """Make the project importable and configure Django; app code is imported after this."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Timed as production runs: DEBUG off (no query log, production's template loading).
    os.environ.update(production_env())
    import django

    django.setup()


class Rollback(Exception):
    """Raised at the end of a rolled-back run so the whole run is undone."""


def run_rolled_back(run: Callable[[], None]) -> None:
    """Call ``run`` inside one transaction that is rolled back, so it leaves nothing behind.

    The rows an earlier run rolled back stay in the tables as dead rows until autovacuum
    comes by, and a scan of a bloated table slows the bare SQL more than a page's index
    walks, which would flatter the ratios: the database is vacuumed first.
    """
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    try:
        with transaction.atomic():
            run()
            raise Rollback
    except Rollback:
        print("(rolled back: nothing was kept)")


WORKING_DAY = [(dt.time(9), dt.time(13)), (dt.time(14), dt.time(18))]


def create_clinic_with_therapists(*, therapists: int, workdays: int, **clinic_fields):
    """A London clinic whose therapists work 9–13 and 14–18 on the first ``workdays`` weekdays.

    Returns ``(clinic, therapists)``; e-mails and slugs are unique to this run.
    """
    from accounts.models import User
    from clinics.models import Clinic, Therapist, WorkingHours

    stamp = time.monotonic_ns()
    clinic = Clinic.objects.create(
        name="Benchmark Clinic",
        slug=f"benchmark-{stamp}",
        address="1 Test Street\nLondon",
        phone="+44 20 0000 0000",
        email="bench@example.com",
        time_zone="Europe/London",
        **clinic_fields,
    )
    people = User.objects.bulk_create(
        User(email=f"bench-therapist-{stamp}-{n}@example.com", first_name=f"T{n}")
        for n in range(therapists)
    )
    staff = Therapist.objects.bulk_create(
        Therapist(user=user, clinic=clinic, display_name=f"Therapist {n:02d}", slug=f"t-{n}")
        for n, user in enumerate(people)
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=weekday, starts_at=start, ends_at=end)
        for therapist in staff
        for weekday in range(workdays)
        for start, end in WORKING_DAY
    )
    return clinic, staff


def book_every_third_slot(staff, *, starting_after: dt.datetime) -> int:
    """Give each therapist a client who books every third of her slots; return how many."""
    from accounts.models import User
    from booking.models import Booking

    stamp = time.monotonic_ns()
    clients = User.objects.bulk_create(
        User(email=f"bench-client-{stamp}-{n}@example.com", first_name=f"Client{n}")
        for n in range(len(staff))
    )
    bookings = []
    for therapist, client in zip(staff, clients, strict=True):
        slots = therapist.slots.filter(starts_at__gte=starting_after).order_by("starts_at")
        bookings += [
            Booking(client=client, slot=s, starts_at=s.starts_at, ends_at=s.ends_at)
            for s in list(slots)[::3]
        ]
    return len(Booking.objects.bulk_create(bookings, batch_size=1000))


def production_env() -> dict[str, str]:
    """The environment with the app configured as production runs it, on plain HTTP."""
    return {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
    }


def recreate_database(maintenance_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database next to the one in ``DATABASE_URL``; yields its URL.

    Named ``<that database>_<suffix>``, made afresh on entry and dropped on exit, after this
    process's Django connections to it are closed.
    """
    parts = urlsplit(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    name = f"{parts.path.lstrip('/') or 'bolster'}_{suffix}"
    maintenance_url = urlunsplit(parts._replace(path="/postgres"))
    recreate_database(maintenance_url, name)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        django_db = sys.modules.get("django.db")
        if django_db is not None:
            django_db.connections.close_all()
        recreate_database(maintenance_url, name, drop_only=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *commands: list[str]) -> None:
    """Run each ``manage.py`` command in turn, quietly, stopping at the first failure."""
    for command in commands:
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def start_gunicorn(
    env: dict[str, str],
    port: int,
    *,
    workers: int,
    threads: int | None = None,
    ready_path: str,
    attempts: int,
    app: str = "config.wsgi",
) -> subprocess.Popen:
    """Serve ``app`` (the project, unless told) with gunicorn on 127.0.0.1 and wait until
    ``ready_path`` answers. Apps in this folder are named as ``module:callable``."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        "--pythonpath",
        str(ROOT / "benchmarks"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    if threads is not None:
        command += ["--threads", str(threads)]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(attempts):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not start")


def bare_wsgi_app(environ, start_response):
    """The bare server: every request answered with ``BARE_BODY_BYTES`` bytes of HTML and
    nothing else done, so a page's rate can be set against what the machine allows."""
    body = b"x" * int(os.environ.get("BARE_BODY_BYTES", "10000"))
    start_response(
        "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=10)


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    """A throw-away ``redis-server`` on a free port, without persistence; (process, URL)."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, url
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def time_gets(client, url: str, requests: int, data: dict | None = None, **extra) -> list[float]:
    """Milliseconds of ``requests`` GETs of ``url`` through the test client, after five
    warm-up requests, sorted. Every response must be a 200."""
    for _ in range(5):
        assert client.get(url, data, **extra).status_code == 200
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url, data, **extra)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return sorted(timings)


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """The 95th percentile, nearest-rank below: the 95th of 100 values."""
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def log_in_staff(client, user) -> None:
    """Log a therapist or clinic admin in past the second factor, as typing a code does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": "Benchmark app"}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


class Targets:
    """The issue's targets a benchmark checks; ``exit_code()`` is 1 when any was missed.

    Each check prints one line, ``PASS`` or ``MISS``, with the figure and its limit, so the
    output of ``make benchmark`` reads as the table of targets it checks.
    """

    def __init__(self) -> None:
        self.missed: list[str] = []

    def at_most(self, what: str, value: float, limit: float, unit: str = "") -> bool:
        return self._check(what, value, limit, unit, value <= limit, "≤")

    def at_least(self, what: str, value: float, limit: float, unit: str = "") -> bool:
        return self._check(what, value, limit, unit, value >= limit, "≥")

    def _check(self, what, value, limit, unit, met: bool, sign: str) -> bool:
        verdict = "PASS" if met else "MISS"
        print(f"  [{verdict}] {what}: {value:.2f}{unit} (target {sign} {limit:g}{unit})")
        if not met:
            self.missed.append(what)
        return met

    def exit_code(self) -> int:
        if self.missed:
            print(f"Missed {len(self.missed)} target(s): {'; '.join(self.missed)}")
            return 1
        return 0
