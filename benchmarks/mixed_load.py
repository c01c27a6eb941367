"""A busy Monday morning: logged-in clients on their phones, through gunicorn, measured by wrk.

Run on demand: ``.venv/bin/python benchmarks/mixed_load.py [--seconds S] [--workers W]``.
Needs ``wrk`` (Debian: ``apt-get install wrk``). It makes a scratch PostgreSQL database next
to the one in ``DATABASE_URL`` (dropped at the end), writes a clinic of 20 therapists with
8 weeks of slots (every third booked) and 40 clients ready to book, each logged in and with
sessions of her own, then serves the app as production does (gunicorn, sync workers,
DEBUG off). wrk replays the issue's mix: 70% day view, 20% "My bookings", 10% a time's
booking page, each request as one of the clients and accepting gzip as phones do, at 10
and then 20 users at once.

Side by side in the same run, the same gunicorn serves a bare WSGI app that answers every
request with a page of the day view's size and does nothing else: the ceiling this machine
puts on any page. CPU per request is read from /proc: the gunicorn workers' own time plus
the time of their PostgreSQL backends, divided by the requests served.

Targets (issue: fast under a busy Monday morning): ≥ 150 requests/s; p95 ≤ 300 ms at 20
users; ≤ 7 ms of CPU (Python and PostgreSQL) per request.
"""

import argparse
import datetime as dt
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import support

DAY_VIEW_SHARE, MY_BOOKINGS_SHARE, BOOKING_PAGE_SHARE = 70, 20, 10
CLIENTS = 40
THERAPISTS = 20
WEEKS = 8
RESULT = re.compile(r"^RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)$", re.MULTILINE)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

WRK_SCRIPT = """
local requests = {}
%s
local count = #requests
request = function()
  local chosen = requests[math.random(count)]
  return wrk.format("GET", chosen[1], {["Cookie"] = chosen[2], ["Accept-Encoding"] = "gzip"})
end
done = function(summary, latency, _)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %%d %%d %%d %%.3f %%.3f\\n", summary.requests,
    summary.duration, bad, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def make_client(n: int, clinic, stamp: int):
    from django.utils import timezone

    from accounts.models import User
    from safety.models import IntakeResponse, PregnancyProfile

    client = User.objects.create_user(email=f"mixed-{stamp}-{n}@example.com", first_name=f"C{n}")
    PregnancyProfile.objects.create(
        client=client,
        due_date=clinic.today() + dt.timedelta(weeks=16),
        phone="+44 7400 900000",
        emergency_contact_name="Partner",
        emergency_contact_phone="+44 7400 900001",
    )
    IntakeResponse.objects.create(
        client=client, conditions=["sciatica"], consent_given_at=timezone.now()
    )
    return client


def give_sessions(client, free_slots: list, count: int) -> None:
    """Book ``count`` of the free slots for her, with their flags, as booking does."""
    from booking.models import Booking
    from booking.services import flags

    chosen = []
    for slot in list(free_slots):
        if len(chosen) == count:
            break
        if not any(slot.starts_at < c.ends_at and c.starts_at < slot.ends_at for c in chosen):
            chosen.append(slot)
            free_slots.remove(slot)
    for slot in chosen:
        booking = Booking.objects.create(
            client=client, slot=slot, starts_at=slot.starts_at, ends_at=slot.ends_at
        )
        flags.write_flags(booking=booking)


def session_cookie(user) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.RoleAwareBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def prepare() -> list[tuple[str, str]]:
    """Migrate and write the clinic and the clients; return the (path, cookie) mix."""
    support.setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from booking.models import Slot
    from booking.services.slots import generate_slots

    call_command("migrate", verbosity=0)
    clinic, staff = support.create_clinic_with_therapists(
        therapists=THERAPISTS, workdays=6, booking_horizon_weeks=WEEKS
    )
    today = clinic.today()
    for therapist in staff:
        generate_slots(therapist=therapist, start=today, end=today + dt.timedelta(weeks=WEEKS))
    support.book_every_third_slot(staff, starting_after=timezone.now())
    free = list(
        Slot.objects.filter(starts_at__gt=timezone.now(), bookings__isnull=True).order_by("?")
    )
    stamp = time.monotonic_ns()
    cookies = []
    for n in range(CLIENTS):
        client = make_client(n, clinic, stamp)
        give_sessions(client, free, count=6)
        cookies.append(session_cookie(client))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    rng = random.Random(12)
    day_view = reverse("booking:clinic", kwargs={"slug": clinic.slug})
    days = [today + dt.timedelta(days=n) for n in range(1, 14)]
    mix = [(f"{day_view}?day={rng.choice(days)}", rng.choice(cookies)) for _ in range(70)]
    mix += [(reverse("booking:my_bookings"), rng.choice(cookies)) for _ in range(20)]
    mix += [
        (reverse("booking:slot", args=[slot.pk]), rng.choice(cookies))
        for slot in rng.sample(free, BOOKING_PAGE_SHARE)
    ]
    return mix


def check_every_page(port: int, mix: list[tuple[str, str]]) -> int:
    """Each request of the mix answers 200, not a redirect; return the day view's size as
    sent (compressed, as to a phone)."""
    sizes = []
    for path, cookie in mix:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookie, "Accept-Encoding": "gzip"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200 or response.url.endswith(path) is False:
                raise RuntimeError(f"{path} answered {response.status} at {response.url}")
            body = response.read()
            if "?day=" in path:
                sizes.append(len(body))
    return max(sizes)


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime and stime, in clock ticks
    return total / CLOCK_TICKS


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def backend_pids(database: str) -> list[int]:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc"]
        + [f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [int(pid) for pid in out.split()]


def run_wrk(port: int, script: Path, users: int, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(users), "-d", f"{seconds}s", "-s", str(script)]
        + ["--timeout", "10s", f"http://127.0.0.1:{port}/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests, micros, bad, p50, p95 = RESULT.search(out).groups()
    return {
        "requests": int(requests),
        "rate": int(requests) / (int(micros) / 1e6),
        "bad": int(bad),
        "p50": float(p50),
        "p95": float(p95),
    }


def write_script(directory: Path, mix: list[tuple[str, str]]) -> Path:
    lines = "\n".join(f'requests[{n + 1}] = {{"{p}", "{c}"}}' for n, (p, c) in enumerate(mix))
    script = directory / "mix.lua"
    script.write_text(WRK_SCRIPT % lines)
    return script


def measure(server, port, script, users, seconds, database=None) -> dict:
    """One wrk run, with the CPU its workers (and their database backends) spent."""
    workers = worker_pids(server.pid)
    backends = backend_pids(database) if database else []
    before = cpu_seconds(workers), cpu_seconds(backends)
    result = run_wrk(port, script, users, seconds)
    python = (cpu_seconds(workers) - before[0]) * 1000 / result["requests"]
    database = (cpu_seconds(backends) - before[1]) * 1000 / result["requests"]
    result.update(cpu_ms=python + database, python_ms=python, database_ms=database)
    return result


def report(label: str, result: dict) -> None:
    print(
        f"{label}: {result['rate']:.0f} req/s, p50 {result['p50']:.0f} ms, "
        f"p95 {result['p95']:.0f} ms, {result['cpu_ms']:.1f} ms CPU/request "
        f"({result['python_ms']:.1f} Python, {result['database_ms']:.1f} PostgreSQL), "
        f"{result['bad']} errors or non-2xx of {result['requests']}"
    )


def run(args: argparse.Namespace, database_url: str) -> int:
    env = {
        **support.production_env(),
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
        "CACHE_KEY_PREFIX": f"mixed-{time.monotonic_ns()}",
    }
    os.environ.update(env)
    database = database_url.rsplit("/", 1)[1]
    mix = prepare()
    from django.db import connections

    connections.close_all()
    support.manage(env, ["collectstatic", "--noinput"])

    targets = support.Targets()
    with tempfile.TemporaryDirectory(prefix="bolster-mixed-") as scratch:
        script = write_script(Path(scratch), mix)
        port = support.free_port()
        app = support.start_gunicorn(
            env, port, workers=args.workers, ready_path="/healthz", attempts=100
        )
        try:
            page_size = check_every_page(port, mix)
            env["BARE_BODY_BYTES"] = str(page_size)
            bare_port = support.free_port()
            bare = support.start_gunicorn(
                env,
                bare_port,
                workers=args.workers,
                ready_path="/",
                attempts=100,
                app="support:bare_wsgi_app",
            )
            try:
                print(
                    f"{THERAPISTS} therapists, {CLIENTS} clients, gunicorn {args.workers} sync "
                    f"workers, DEBUG off, {args.seconds} s a run; day view page {page_size} bytes"
                )
                results = {}
                for users in (10, 20):
                    results[users] = app_run = measure(
                        app, port, script, users, args.seconds, database
                    )
                    bare_run = measure(bare, bare_port, script, users, args.seconds)
                    report(f"app,  {users} users", app_run)
                    report(f"bare, {users} users", bare_run)
                    print(f"  app rate / bare rate: {app_run['rate'] / bare_run['rate']:.3f}")
            finally:
                support.stop_server(bare)
        finally:
            support.stop_server(app)
    busy = results[20]
    targets.at_least("requests/s at 20 users", busy["rate"], 150, " req/s")
    targets.at_most("p95 at 20 users", busy["p95"], 300, " ms")
    targets.at_most("CPU per request (Python + PostgreSQL)", busy["cpu_ms"], 7, " ms")
    targets.at_most("errors", busy["bad"] + results[10]["bad"], 0)
    return targets.exit_code()


def main() -> int:
    if shutil.which("wrk") is None:
        print("This benchmark drives the load with wrk: apt-get install wrk")
        return 2
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=5)
    args = parser.parse_args()
    with support.scratch_database("mixed_load") as database_url:
        return run(args, database_url)


if __name__ == "__main__":
    raise SystemExit(main())
