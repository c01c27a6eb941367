"""Fault tests for texts: real Celery workers and a real Redis; a worker killed mid-send or a
Redis restart loses no text and sends none twice, exactly as for e-mail.

Each client has her own number, so the texts the provider stand-in received are counted by
the number they went to.
"""

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import User
from booking.models import Reminder
from booking.sms.backends.filebased import SmsBackend as FileSmsBackend
from tests.booking.test_reminders_faults import (  # noqa: F401 (fixtures)
    SMTP_SECONDS,
    count_sent,
    dispatch_via,
    mail_dir,
    own_redis,
    settle,
    wait_until,
    workers,
)
from tests.factories import (
    BookingFactory,
    PregnancyProfileFactory,
    SlotFactory,
    TherapistFactory,
    UserFactory,
)

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]


class SlowFileSmsBackend(FileSmsBackend):
    """The file backend behind a provider that takes a while to answer; before "talking to
    the provider" it writes the number to ``<SMS_FILE_PATH>.inflight``."""

    def send(self, message) -> str:
        Path(f"{self.path}.inflight").write_text(message.to)
        time.sleep(SMTP_SECONDS)
        return super().send(message)


@pytest.fixture
def text_dir(tmp_path, monkeypatch):
    path = tmp_path / "sms"
    path.mkdir()
    # The workers copy the environment when they start.
    monkeypatch.setenv("SMS_BACKEND", f"{__name__}.SlowFileSmsBackend")
    monkeypatch.setenv("SMS_FILE_PATH", str(path))
    return path


def due_texts(count: int) -> list[Reminder]:
    """``count`` 24 h reminders by text, due a minute ago, each to her own number. The clinic
    has no quiet hours, so the hour the test runs at does not matter."""
    therapist = TherapistFactory()
    clinic = therapist.clinic
    clinic.quiet_hours_start = clinic.quiet_hours_end = dt.time(0)
    clinic.save()
    reminders = []
    for n in range(count):
        starts_at = (timezone.now() + dt.timedelta(hours=20 + 2 * n)).replace(microsecond=0)
        slot = SlotFactory(
            therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
        )
        client = UserFactory(message_channels=User.MessageChannels.SMS)
        PregnancyProfileFactory(client=client, phone=f"+4474009001{n:02d}")
        booking = BookingFactory(slot=slot, client=client)
        reminders.append(
            Reminder.objects.create(
                booking=booking,
                kind="24h",
                channel="sms",
                send_at=timezone.now() - dt.timedelta(minutes=1),
            )
        )
    return reminders


def texts_received(text_dir: Path) -> Counter:
    return Counter(json.loads(path.read_text())["to"] for path in text_dir.glob("*.json"))


def expected(count: int) -> Counter:
    return Counter({f"+4474009001{n:02d}": 1 for n in range(count)})


def test_worker_killed_mid_text_loses_nothing_and_sends_nothing_twice(
    own_redis,  # noqa: F811
    workers,  # noqa: F811
    text_dir,
):
    reminders = due_texts(20)
    first = workers("first")
    dispatch_via(own_redis.url)
    wait_until(lambda: count_sent() >= 5, timeout=20, what="a quarter of the texts to go out")

    marker = Path(f"{text_dir}.inflight")
    before = marker.read_text()
    wait_until(lambda: marker.read_text() != before, timeout=5, what="the next send to start")
    time.sleep(SMTP_SECONDS / 4)
    first.kill()
    assert count_sent() < len(reminders)

    workers("second")
    settle(own_redis, reminders, text_dir, timeout=40)

    assert texts_received(text_dir) == expected(len(reminders))
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}


def test_redis_restarted_mid_dispatch_loses_no_text_and_sends_none_twice(
    own_redis,  # noqa: F811
    workers,  # noqa: F811
    text_dir,
):
    reminders = due_texts(20)
    workers("only")
    dispatch_via(own_redis.url)
    wait_until(lambda: count_sent() >= 5, timeout=20, what="a quarter of the texts to go out")

    own_redis.restart()

    assert count_sent() < len(reminders)
    settle(own_redis, reminders, text_dir, timeout=45)
    assert texts_received(text_dir) == expected(len(reminders))
