"""Every message goes through the outbox: written with the change, sent by a worker, once.

No web request talks to the mail server; a mail server that is down loses nothing; the
connection is closed only after the row is recorded as sent.
"""

import datetime as dt
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking, Reminder
from booking.services import book_session, channels, outbox
from booking.services.channels import Channel, channel_for, register
from booking.services.outbox import Outcome, send_claimed_reminder
from tests.booking.conftest import local_today, make_ready_client, slot_at
from tests.factories import BookingFactory, UserFactory

MAIL_CONNECTIONS: list[str] = []


class RecordingBackend(LocmemBackend):
    """The test mail server: records when a connection opens and closes, keeps the mail."""

    def open(self):
        MAIL_CONNECTIONS.append("open")
        return super().open()

    def close(self):
        MAIL_CONNECTIONS.append("close")
        return super().close()


@pytest.fixture
def recording_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RecordingBackend"
    MAIL_CONNECTIONS.clear()
    yield MAIL_CONNECTIONS
    MAIL_CONNECTIONS.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink(Message):
    """A real SMTP server that keeps every message it accepts."""

    def __init__(self):
        super().__init__()
        self.received = []

    def handle_message(self, message):
        self.received.append(message)


@pytest.mark.django_db
def test_mail_server_down_at_booking_the_booking_stands_and_the_confirmation_goes_once_back(
    client, settings, worker, django_capture_on_commit_callbacks, therapist
):
    port = free_port()  # nothing listens here yet: the mail server is down
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    maya = make_ready_client(email="maya@example.com")
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    client.force_login(maya)
    worker.hold()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("booking:slot", kwargs={"slot_id": slot.pk}))

    booking = Booking.objects.get(client=maya)
    assert response.status_code == 302
    assert response["Location"] == reverse("booking:booking", kwargs={"pk": booking.pk})
    confirmation = Reminder.objects.notices().get(booking=booking)
    assert (confirmation.kind, confirmation.status) == ("booked", Reminder.Status.SENDING)

    # The worker tries while the server is down: a failed attempt, kept for a retry.
    assert worker.release() == [confirmation.pk]
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == (Reminder.Status.SENDING, 1)
    assert "Connection refused" in confirmation.last_error

    sink = Sink()
    server = Controller(sink, hostname="127.0.0.1", port=port)
    server.start()
    try:
        # The retry, then a repeated delivery of the same task (a redelivered message).
        assert send_claimed_reminder(reminder_id=confirmation.pk).outcome is Outcome.SENT
        assert send_claimed_reminder(reminder_id=confirmation.pk).outcome is Outcome.NOTHING_TO_DO
    finally:
        server.stop()

    assert len(sink.received) == 1
    received = sink.received[0]
    assert received["To"] == "maya@example.com"
    assert received["Message-ID"] == f"<reminder-{confirmation.pk}@bolster>"
    assert "booked" in received["Subject"]
    confirmation.refresh_from_db()
    assert confirmation.status == Reminder.Status.SENT


@pytest.mark.django_db
def test_blocking_a_day_with_12_booked_sessions_opens_no_mail_connection_in_the_request(
    client, clinic_admin, therapist, recording_mail, worker, django_capture_on_commit_callbacks
):
    day = local_today(therapist.clinic) + dt.timedelta(days=6)
    bookings = [
        BookingFactory(slot=slot_at(therapist, day, dt.time(hour)), client=UserFactory())
        for hour in range(8, 20)
    ]
    client.force_login(clinic_admin)
    worker.hold()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("schedule:range", args=[therapist.clinic.slug]),
            {
                "starts_on": day,
                "ends_on": day,
                "reason": "Burst pipe",
                "action": "block",
                "confirm": "yes",
            },
        )

    assert response.status_code == 302
    assert recording_mail == []
    assert len(mail.outbox) == 0
    notices = Reminder.objects.notices().filter(kind="cancelled")
    assert notices.count() == 12
    assert {n.status for n in notices} == {Reminder.Status.SENDING}

    assert len(worker.release()) == 12
    assert sorted(m.to[0] for m in mail.outbox) == sorted(b.client.email for b in bookings)
    assert all("had to cancel" in m.subject for m in mail.outbox)
    assert all("Burst pipe" in m.body for m in mail.outbox)


@pytest.mark.django_db
def test_password_reset_request_writes_a_row_and_talks_to_no_mail_server(
    client, recording_mail, worker, django_capture_on_commit_callbacks
):
    maya = UserFactory(email="maya@example.com")
    worker.hold()

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("accounts:password_reset"), {"email": "maya@example.com"})
        unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert recording_mail == []
    [reset] = Reminder.objects.all()
    assert (reset.kind, reset.recipient, reset.booking) == ("password_reset", maya, None)
    assert reset.payload == {}  # the link (and its token) is written at send time

    worker.release()
    assert [m.to for m in mail.outbox] == [["maya@example.com"]]
    assert "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_the_connection_is_closed_only_after_sent_is_committed(
    therapist, recording_mail, monkeypatch
):
    maya = make_ready_client()
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    seen_at_close = []
    close = RecordingBackend.close

    def close_and_look(backend):
        # What another database connection sees at the moment the server is told goodbye.
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT status FROM booking_reminder WHERE kind = 'booked'")
                seen_at_close.append((connection.in_atomic_block, cursor.fetchone()[0]))
        finally:
            other.close()
        return close(backend)

    monkeypatch.setattr(RecordingBackend, "close", close_and_look)
    book_session(client=maya, slot=slot)  # commits; the inline worker sends at once

    assert seen_at_close == [(False, "sent")]
    assert recording_mail == ["open", "close"]
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_mail_server_that_fails_on_goodbye_leaves_the_message_sent(
    therapist, recording_mail, monkeypatch, django_capture_on_commit_callbacks
):
    def rude_goodbye(backend):
        raise OSError("Connection reset by peer")

    monkeypatch.setattr(RecordingBackend, "close", rude_goodbye)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_session(
            client=make_ready_client(),
            slot=slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5)),
        )

    assert Reminder.objects.notices().get(booking=booking).status == Reminder.Status.SENT
    assert len(mail.outbox) == 1


class Pigeon(Channel):
    """A second channel, to show that one plugs in without the outbox knowing it."""

    name = "pigeon"
    delivered: list[str] = []

    def compose(self, reminder):
        return f"{reminder.kind} for {reminder.recipient.email}"

    def open(self):
        channel = self

        class Loft:
            def send(self, message):
                channel.delivered.append(message)

            def close(self):
                channel.delivered.append("home")

        return Loft()


@pytest.fixture
def pigeons():
    register(Pigeon())
    yield
    channels._CHANNELS.pop("pigeon")


@pytest.mark.django_db
def test_a_new_channel_is_a_registered_class(pigeons, django_capture_on_commit_callbacks):
    maya = UserFactory(email="maya@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        row = outbox.notify(kind="password_reset", recipient=maya, channel="pigeon")

    row.refresh_from_db()
    assert row.status == Reminder.Status.SENT
    assert channel_for("pigeon").delivered == ["password_reset for maya@example.com", "home"]
    assert mail.outbox == []


@pytest.mark.django_db
def test_nothing_more_goes_to_a_deleted_account(django_capture_on_commit_callbacks, worker):
    maya = UserFactory()
    worker.hold()
    with django_capture_on_commit_callbacks(execute=True):
        row = outbox.notify(kind="password_reset", recipient=maya)
    maya.is_active = False
    maya.save()

    worker.release()

    row.refresh_from_db()
    assert row.status == Reminder.Status.CANCELLED
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_notice_is_not_skipped_however_late_the_worker_gets_to_it(
    therapist, worker, django_capture_on_commit_callbacks
):
    worker.hold()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_session(
            client=make_ready_client(),
            slot=slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5)),
        )
    # Its session has even started by the time the worker gets to it: still worth knowing.
    Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now())

    worker.release()

    assert Reminder.objects.notices().get(booking=booking).status == Reminder.Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_booking_that_rolls_back_sends_nothing(therapist, worker):
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    with pytest.raises(RuntimeError), transaction.atomic():
        book_session(client=make_ready_client(), slot=slot)
        raise RuntimeError("something after the booking failed")

    assert not Reminder.objects.exists()
    assert mail.outbox == []
