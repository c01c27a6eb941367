"""Dispatch and send: each due reminder once, never for a cancelled booking, never late."""

import datetime as dt
import re
import smtplib
import threading
from collections import Counter

import pytest
from celery import current_app
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.urls import reverse
from django.utils import dateformat, timezone
from kombu.exceptions import OperationalError as BrokerError

from booking.models import Booking, Reminder
from booking.services import outbox
from booking.services.changes import change_deadline
from booking.services.outbox import (
    MAX_SEND_ATTEMPTS,
    Outcome,
    claim_due_reminders,
    retry_delay,
    send_claimed_reminder,
)
from booking.services.session_links import session_from_token
from booking.tasks import dispatch_due_reminders, send_reminder
from safety.models import Clearance, SafetyFlag
from tests.conftest import REAL_ENQUEUE_SENDS
from tests.factories import (
    BookingFactory,
    PregnancyProfileFactory,
    SlotFactory,
    TherapistFactory,
    UserFactory,
)


class BrokenSMTPBackend(BaseEmailBackend):
    """The mail server is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def eager_celery():
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = False


def due_reminder(
    therapist, *, kind="24h", session_in=dt.timedelta(hours=23), late=dt.timedelta(minutes=1)
):
    """A pending reminder that fell due ``late`` ago, for a session ``session_in`` from now."""
    starts_at = (timezone.now() + session_in).replace(microsecond=0)
    if therapist.slots.filter(starts_at__lt=starts_at + dt.timedelta(hours=1)).exists():
        # A therapist has one session at a time; colleagues take the others.
        therapist = TherapistFactory(clinic=therapist.clinic)
    slot = SlotFactory(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )
    client = UserFactory(first_name="Maya")
    PregnancyProfileFactory(client=client)
    booking = BookingFactory(client=client, slot=slot)
    return Reminder.objects.create(booking=booking, kind=kind, send_at=timezone.now() - late)


def claim_and_send(reminder) -> Outcome:
    assert reminder.pk in claim_due_reminders()
    return send_claimed_reminder(reminder_id=reminder.pk).outcome


def message_ids(messages) -> Counter:
    return Counter(m.extra_headers["Message-ID"] for m in messages)


@pytest.mark.django_db
class TestSending:
    def test_a_claimed_reminder_is_sent_and_marked_sent(self, therapist):
        reminder = due_reminder(therapist)

        assert claim_and_send(reminder) is Outcome.SENT

        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.SENT
        assert reminder.sent_at is not None and reminder.attempts == 1
        assert reminder.claimed_until is None
        [message] = mail.outbox
        assert message.to == [reminder.booking.client.email]
        assert message.extra_headers["Message-ID"] == f"<reminder-{reminder.pk}@bolster>"

    def test_sending_a_reminder_costs_a_fixed_number_of_queries(
        self, therapist, django_assert_num_queries
    ):
        reminder = due_reminder(therapist)
        claim_due_reminders()

        # Savepoint, lock the row, her session, its open flags, mark sent, release.
        with django_assert_num_queries(6):
            assert send_claimed_reminder(reminder_id=reminder.pk).outcome is Outcome.SENT

    def test_sending_the_same_reminder_again_sends_nothing(self, therapist):
        reminder = due_reminder(therapist)
        claim_and_send(reminder)

        again = send_claimed_reminder(reminder_id=reminder.pk)

        assert again.outcome is Outcome.NOTHING_TO_DO
        assert len(mail.outbox) == 1

    def test_a_reminder_not_claimed_by_dispatch_is_not_sent(self, therapist):
        reminder = due_reminder(therapist)

        assert send_claimed_reminder(reminder_id=reminder.pk).outcome is Outcome.NOTHING_TO_DO
        assert mail.outbox == []

    def test_a_reminder_not_yet_due_is_not_claimed(self, therapist):
        reminder = due_reminder(therapist, late=-dt.timedelta(minutes=5))

        assert reminder.pk not in claim_due_reminders()

    def test_reminder_of_a_cancelled_booking_is_never_sent(self, therapist):
        reminder = due_reminder(therapist)
        claim_due_reminders()
        Booking.objects.filter(pk=reminder.booking_id).update(status=Booking.Status.CANCELLED)

        assert send_claimed_reminder(reminder_id=reminder.pk).outcome is Outcome.CANCELLED

        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.CANCELLED
        assert mail.outbox == []

    def test_reminder_of_a_moved_booking_is_never_sent(self, therapist):
        reminder = due_reminder(therapist)
        claim_due_reminders()
        Booking.objects.filter(pk=reminder.booking_id).update(status=Booking.Status.MOVED)

        assert send_claimed_reminder(reminder_id=reminder.pk).outcome is Outcome.CANCELLED
        assert mail.outbox == []

    def test_a_2h_reminder_found_after_the_session_started_is_skipped(self, therapist):
        reminder = due_reminder(
            therapist, kind="2h", session_in=-dt.timedelta(minutes=10), late=dt.timedelta(hours=2)
        )

        assert claim_and_send(reminder) is Outcome.SKIPPED

        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.SKIPPED
        assert mail.outbox == []

    def test_a_2h_reminder_with_less_than_an_hour_left_is_skipped(self, therapist):
        reminder = due_reminder(therapist, kind="2h", session_in=dt.timedelta(minutes=50))

        assert claim_and_send(reminder) is Outcome.SKIPPED

    def test_a_2h_reminder_a_little_late_is_still_sent(self, therapist):
        reminder = due_reminder(therapist, kind="2h", session_in=dt.timedelta(minutes=90))

        assert claim_and_send(reminder) is Outcome.SENT

    def test_same_day_reminder_turned_off_after_booking_is_not_sent(self, therapist):
        reminder = due_reminder(therapist, kind="2h", session_in=dt.timedelta(minutes=110))
        reminder.booking.client.same_day_reminders = False
        reminder.booking.client.save()

        assert claim_and_send(reminder) is Outcome.CANCELLED
        assert mail.outbox == []


@pytest.mark.django_db
class TestSMTPFailure:
    def test_smtp_failure_keeps_the_claim_and_asks_for_a_retry_with_backoff(
        self, therapist, settings
    ):
        settings.EMAIL_BACKEND = f"{__name__}.BrokenSMTPBackend"
        reminder = due_reminder(therapist)

        result = send_claimed_reminder(reminder_id=claim_due_reminders()[0])

        assert result.outcome is Outcome.RETRY
        assert result.retry_in == retry_delay(1)
        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.SENDING
        assert reminder.attempts == 1
        assert "SMTPServerDisconnected" in reminder.last_error
        # Dispatch leaves it alone during the backoff: the retry is already on its way.
        assert claim_due_reminders() == []

    def test_backoff_doubles(self):
        delays = [retry_delay(n).total_seconds() for n in range(1, MAX_SEND_ATTEMPTS)]

        assert delays == [30, 60, 120, 240]

    def test_send_task_retries_then_marks_the_reminder_failed(
        self, therapist, settings, eager_celery
    ):
        settings.EMAIL_BACKEND = f"{__name__}.BrokenSMTPBackend"
        reminder = due_reminder(therapist)
        claim_due_reminders()

        send_reminder.apply(args=(reminder.pk,))

        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.FAILED
        assert reminder.attempts == MAX_SEND_ATTEMPTS
        assert "Connection unexpectedly closed" in reminder.last_error
        assert reminder.sent_at is None

    def test_a_failed_reminder_shows_on_the_clinic_admins_page(
        self, therapist, settings, eager_celery, client, clinic_admin
    ):
        settings.EMAIL_BACKEND = f"{__name__}.BrokenSMTPBackend"
        reminder = due_reminder(therapist)
        claim_due_reminders()
        send_reminder.apply(args=(reminder.pk,))
        client.force_login(clinic_admin)

        response = client.get(reverse("clinics:reminders"))

        assert list(response.context["reminders"]) == [reminder]
        assert f"Failed</strong> after {MAX_SEND_ATTEMPTS} attempts" in response.text
        assert "Connection unexpectedly closed" in response.text

    def test_mail_server_back_before_the_last_attempt_sends_once(self, therapist, settings):
        settings.EMAIL_BACKEND = f"{__name__}.BrokenSMTPBackend"
        reminder = due_reminder(therapist)
        claim_due_reminders()
        send_claimed_reminder(reminder_id=reminder.pk)
        send_claimed_reminder(reminder_id=reminder.pk)
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

        assert send_claimed_reminder(reminder_id=reminder.pk).outcome is Outcome.SENT

        reminder.refresh_from_db()
        assert (reminder.status, reminder.attempts) == (Reminder.Status.SENT, 3)
        assert len(mail.outbox) == 1


@pytest.mark.django_db
class TestDispatch:
    def test_dispatch_sends_each_due_reminder_once(
        self, therapist, eager_celery, django_capture_on_commit_callbacks
    ):
        reminders = [due_reminder(therapist) for _ in range(5)]
        not_due = due_reminder(therapist, late=-dt.timedelta(hours=1))

        with django_capture_on_commit_callbacks(execute=True):
            assert dispatch_due_reminders.apply(kwargs={"batch_size": 2}).get() == 5
        with django_capture_on_commit_callbacks(execute=True):
            assert dispatch_due_reminders.apply().get() == 0

        assert message_ids(mail.outbox) == Counter(
            {f"<reminder-{r.pk}@bolster>": 1 for r in reminders}
        )
        not_due.refresh_from_db()
        assert not_due.status == Reminder.Status.PENDING

    def test_a_lapsed_claim_is_handed_out_again(self, therapist):
        reminder = due_reminder(therapist)
        claim_due_reminders()
        # Its task was lost (worker killed, broker restarted) and the lease ran out.
        Reminder.objects.filter(pk=reminder.pk).update(
            claimed_until=timezone.now() - dt.timedelta(seconds=1)
        )

        assert claim_due_reminders() == [reminder.pk]
        assert send_claimed_reminder(reminder_id=reminder.pk).outcome is Outcome.SENT

    def test_broker_down_at_dispatch_leaves_the_claim_for_a_later_run(
        self, therapist, monkeypatch, django_capture_on_commit_callbacks
    ):
        reminder = due_reminder(therapist)

        def broker_down(*args, **kwargs):
            raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        monkeypatch.setattr(outbox, "enqueue_sends", REAL_ENQUEUE_SENDS)
        monkeypatch.setattr(current_app, "send_task", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            assert dispatch_due_reminders.apply().get() == 1

        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.SENDING
        Reminder.objects.filter(pk=reminder.pk).update(
            claimed_until=timezone.now() - dt.timedelta(seconds=1)
        )
        assert claim_due_reminders() == [reminder.pk]

    def test_a_live_claim_is_not_handed_out_again(self, therapist):
        due_reminder(therapist)
        claim_due_reminders()

        assert claim_due_reminders() == []


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_claim_and_send_nothing_twice(therapist):
    reminders = [due_reminder(therapist) for _ in range(60)]
    start = threading.Barrier(4)
    claimed: list[list[int]] = []
    errors = []

    def dispatcher():
        # Each thread has its own database connection, like two worker processes.
        try:
            start.wait()
            mine = []
            while batch := claim_due_reminders(limit=5):
                mine.extend(batch)
            claimed.append(mine)
            start.wait()
            # Every claimed task is delivered twice, to two threads at once.
            for reminder_id in sorted({i for batch in claimed for i in batch}):
                send_claimed_reminder(reminder_id=reminder_id)
        except Exception as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    all_claimed = [i for batch in claimed for i in batch]
    assert sorted(all_claimed) == sorted(r.pk for r in reminders)
    assert message_ids(mail.outbox) == Counter({f"<reminder-{r.pk}@bolster>": 1 for r in reminders})
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}


@pytest.mark.django_db
class TestTheEmail:
    @pytest.fixture
    def sent(self, therapist):
        therapist.clinic.time_zone = "America/New_York"
        therapist.clinic.address = "12 Bleecker Street\nNew York, NY 10012"
        therapist.clinic.save()
        reminder = due_reminder(therapist)
        booking = reminder.booking
        SafetyFlag.objects.create(
            booking=booking,
            code="hypertension",
            severity="clearance",
            title="High blood pressure",
            client_message="",
            ruleset_version="2026.11",
        )
        SafetyFlag.objects.create(
            booking=booking,
            code="supine_limit",
            severity="adapt",
            title="Never flat on the back",
            client_message="We won't ask you to lie flat on your back.",
            ruleset_version="2026.11",
        )
        SafetyFlag.objects.create(
            booking=booking,
            code="sciatica",
            severity="info",
            title="Old answer",
            client_message="A closed flag says nothing any more.",
            ruleset_version="2026.11",
            closed_at=timezone.now(),
        )
        claim_and_send(reminder)
        [message] = mail.outbox
        return reminder, message

    def test_text_part_has_the_session_in_clinic_time_with_the_zone_named(self, sent):
        reminder, message = sent
        local = timezone.localtime(
            reminder.booking.starts_at, reminder.booking.slot.therapist.clinic.tz
        )
        assert f"{local:%H:%M}" in message.body
        assert "New York time" in message.body
        assert local.tzname() in message.body

    def test_names_therapist_address_and_what_to_bring(self, sent):
        _, message = sent
        assert "Rosa Lind" in message.body
        assert "12 Bleecker Street" in message.body
        assert "comfortable clothes" in message.body

    def test_safety_notes_say_clearance_is_still_needed_and_skip_closed_flags(self, sent):
        _, message = sent
        assert "Clearance still needed: High blood pressure" in message.body
        assert "We won't ask you to lie flat on your back." in message.body
        assert "A closed flag says nothing any more." not in message.body

    def test_red_flag_symptoms_and_not_medical_advice(self, sent):
        _, message = sent
        assert "Call your midwife or doctor straight away" in message.body
        assert "not medical advice" in message.body

    def test_move_and_cancel_links_are_left_out_once_too_late_to_change_online(
        self, sent, settings
    ):
        # 23 hours ahead, inside the 24-hour notice: the links would only say "too late".
        reminder, message = sent
        booking_id = reminder.booking_id
        assert f"/book/mine/{booking_id}/move/" not in message.body
        assert f"/book/mine/{booking_id}/cancel/" not in message.body
        assert "Please call Camden Bump Clinic" in message.body
        assert f"{settings.SITE_URL}/book/mine/{booking_id}/" in message.body

    def test_move_and_cancel_links_are_absolute_while_they_work(self, therapist, settings):
        reminder = due_reminder(therapist, kind="72h", session_in=dt.timedelta(days=3))
        claim_and_send(reminder)
        booking_id = reminder.booking_id
        body = mail.outbox[-1].body
        links = re.findall(rf"{re.escape(settings.SITE_URL)}/book/session/[^\s?]+/", body)
        assert links, body
        link = session_from_token(links[0].rstrip("/").rsplit("/", 1)[-1])
        assert link is not None and link.booking.pk == booking_id
        assert f"{links[0]}?move=1" in body

    def test_the_links_work_until_a_time_given_in_the_clinic_s_zone(self, therapist):
        therapist.clinic.time_zone = "America/New_York"
        therapist.clinic.save()
        reminder = due_reminder(therapist, kind="72h", session_in=dt.timedelta(days=3))
        claim_and_send(reminder)

        deadline = timezone.localtime(change_deadline(reminder.booking), therapist.clinic.tz)
        until = f"work without logging in until {dateformat.format(deadline, 'l j F, H:i')};"
        [message] = mail.outbox
        [(html, _)] = message.alternatives
        assert until in message.body
        assert until in html

    def test_the_subject_names_her_therapist_as_written(self, therapist):
        therapist.display_name = "Siobhán O'Brien & Co"
        therapist.save()
        claim_and_send(due_reminder(therapist, kind="2h", session_in=dt.timedelta(hours=2)))

        [message] = mail.outbox
        [(html, _)] = message.alternatives
        assert message.subject.endswith("with Siobhán O'Brien & Co")
        assert "with Siobhán O&#x27;Brien &amp; Co\n</title>" in html

    def test_has_an_html_part_and_the_session_as_a_calendar_file(self, sent):
        _, message = sent
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        assert "<h1" in html and "Clearance still needed" in html
        [(filename, ics, ics_type)] = message.attachments
        assert (filename, ics_type) == ("session.ics", "text/calendar")
        assert "BEGIN:VEVENT" in ics

    def test_a_recorded_clearance_removes_the_clearance_note(self, therapist):
        reminder = due_reminder(therapist)
        SafetyFlag.objects.create(
            booking=reminder.booking,
            code="hypertension",
            severity="clearance",
            title="High blood pressure",
            ruleset_version="2026.11",
        )
        Clearance.objects.create(
            client=reminder.booking.client,
            code="hypertension",
            issued_by="Dr Okafor, GP",
            issued_on=timezone.localdate() - dt.timedelta(days=3),
        )

        claim_and_send(reminder)

        assert "Clearance still needed" not in mail.outbox[0].body

    def test_plan_end_reminder_offers_to_book_more(self, therapist):
        from booking.models import Plan
        from booking.services.reminders import PLAN_END

        reminder = due_reminder(therapist, kind=PLAN_END, session_in=dt.timedelta(days=7))
        booking = reminder.booking
        today = timezone.localdate()
        booking.plan = Plan.objects.create(
            client=booking.client,
            therapist=therapist,
            weekdays=[today.weekday()],
            local_time=dt.time(10),
            starts_on=today,
            ends_on=today + dt.timedelta(days=7),
        )
        booking.save()

        assert claim_and_send(reminder) is Outcome.SENT

        [message] = mail.outbox
        assert "ends next week" in message.subject
        assert f"/book/clinic/{therapist.clinic.slug}/" in message.body
