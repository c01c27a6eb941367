"""The embedded default: with no DATABASE_URL, `make run` serves the demo from SQLite.

Every other test runs on PostgreSQL, so this is the one that notices when a page starts to
need PostgreSQL (written-out SQL with arrays, say) and the demo a newcomer opens first breaks.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run inside the demo's own process: the demo client walks the pages of a booking.
VISIT_PAGES = """
from django.test import Client
from django.urls import reverse

from accounts.models import User
from booking.demo import CLIENT_EMAIL
from booking.models import Booking, Slot
from clinics.models import Clinic

client = Client()
maya = User.objects.get(email=CLIENT_EMAIL)
client.force_login(maya)
pages = [reverse("home"), reverse("booking:clinics"), reverse("booking:my_bookings")]
for clinic in Clinic.objects.all():
    pages.append(reverse("booking:clinic", kwargs={"slug": clinic.slug}))
    for therapist in clinic.therapists.filter(is_active=True):
        pages.append(
            reverse("booking:clinic", kwargs={"slug": clinic.slug}) + f"?therapist={therapist.slug}"
        )
pages.append(reverse("booking:slot", kwargs={"slot_id": Slot.objects.free().first().pk}))
for booking in Booking.objects.filter(client=maya, status="booked")[:2]:
    pages.append(reverse("booking:booking", kwargs={"pk": booking.pk}))
    pages.append(reverse("booking:move", kwargs={"pk": booking.pk}))
for page in pages:
    print(client.get(page).status_code, page)
"""


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_demo_on_sqlite_serves_the_client_pages(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "BOLSTER_TEST_CLOCK"}
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"

    for command in (["migrate", "--noinput"], ["seed_demo"]):
        done = manage(env, *command)
        assert done.returncode == 0, done.stderr

    visited = manage(env, "shell", "-c", VISIT_PAGES)

    assert visited.returncode == 0, visited.stderr
    statuses = re.findall(r"^(\d{3}) (/\S*)$", visited.stdout, re.MULTILINE)
    assert len(statuses) >= 10
    assert [page for status, page in statuses if status != "200"] == []
