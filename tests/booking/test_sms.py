"""Text messages: a second channel of the outbox, sent once per channel, short and discreet,
quiet at night, stopped by a STOP reply, with delivery receipts from the provider."""

import datetime as dt
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from accounts.models import User
from booking import sms, texts
from booking.models import Booking, Reminder
from booking.services import book_session, notices
from booking.services.outbox import Outcome, send_claimed_reminder
from booking.services.slots import block_slots
from booking.tasks import dispatch_due_reminders
from safety import engine
from safety.models import PregnancyProfile
from tests.booking.conftest import local_today, make_ready_client, slot_at

pytestmark = pytest.mark.django_db

MOBILE = "+447400900123"
TOKEN = "test-auth-token"


@pytest.fixture(autouse=True)
def daytime_in_london():
    """Texts wait out the clinic's quiet hours (21:00–08:00 London time by default), so every
    test here starts at 10:00 London time today, whatever the hour it runs at; the tests
    about the quiet hours move the clock themselves."""
    london = ZoneInfo("Europe/London")
    today = timezone.now().astimezone(london).date()
    with time_machine.travel(dt.datetime.combine(today, dt.time(10), tzinfo=london), tick=True):
        yield


@pytest.fixture(autouse=True)
def texts_kept(settings):
    settings.SMS_BACKEND = "booking.sms.backends.locmem.SmsBackend"
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SITE_URL = "https://bolster.example"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def texting_client(*, channels=User.MessageChannels.BOTH, conditions=(), **fields) -> User:
    client = make_ready_client(conditions=conditions, **fields)
    PregnancyProfile.objects.filter(client=client).update(phone=MOBILE)
    client.message_channels = channels
    client.sms_opted_in_at = timezone.now()
    client.sms_opt_in_via = "reminders page"
    client.save()
    return client


def sent(kind: str, channel: str) -> list[Reminder]:
    return list(Reminder.objects.filter(kind=kind, channel=channel, status=Reminder.Status.SENT))


# --- One row per channel, each sent once ---------------------------------------------------


def test_a_booking_confirms_on_each_channel_she_chose_exactly_once(
    therapist, django_capture_on_commit_callbacks, texts_kept
):
    maya = texting_client(email="maya@example.com")
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))

    with django_capture_on_commit_callbacks(execute=True):
        booking = book_session(client=maya, slot=slot)

    [by_email] = sent("booked", "email")
    [by_text] = sent("booked", "sms")
    assert len(mail.outbox) == 1 and len(texts_kept) == 1
    assert texts_kept[0].to == MOBILE
    assert by_text.provider_id.startswith("local-")
    # A task delivered twice (a redelivery after a lost acknowledgement) sends nothing more.
    for row in (by_email, by_text):
        assert send_claimed_reminder(reminder_id=row.pk).outcome is Outcome.NOTHING_TO_DO
    assert len(mail.outbox) == 1 and len(texts_kept) == 1
    # Her reminders before the session are written on both channels too.
    assert set(
        Reminder.objects.filter(booking=booking, kind="24h").values_list("channel", flat=True)
    ) == {"email", "sms"}


def test_due_reminders_go_once_per_channel_however_often_dispatch_runs(
    therapist, frozen_clock, django_capture_on_commit_callbacks, texts_kept
):
    clinic = therapist.clinic
    maya = texting_client(email="maya@example.com")
    day = local_today(clinic) + dt.timedelta(days=3)
    slot = slot_at(therapist, day, dt.time(14))
    with django_capture_on_commit_callbacks(execute=True):
        book_session(client=maya, slot=slot)
    mail.outbox.clear()
    texts_kept.clear()

    frozen_clock(slot.starts_at - dt.timedelta(hours=23))  # 15:00 the day before: not quiet
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_due_reminders()

    assert len(sent("24h", "email")) == 1 and len(sent("24h", "sms")) == 1
    assert len(mail.outbox) == 1 and len(texts_kept) == 1


def test_e_mail_only_writes_no_text_and_texts_only_writes_no_e_mail(
    therapist, django_capture_on_commit_callbacks, texts_kept
):
    ana = texting_client(email="ana@example.com", channels=User.MessageChannels.EMAIL)
    zoe = texting_client(email="zoe@example.com", channels=User.MessageChannels.SMS)
    day = local_today(therapist.clinic) + dt.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        book_session(client=ana, slot=slot_at(therapist, day, dt.time(10)))
        book_session(client=zoe, slot=slot_at(therapist, day, dt.time(12)))

    channels = set(Reminder.objects.filter(kind="booked").values_list("recipient", "channel"))
    assert channels == {(ana.pk, "email"), (zoe.pk, "sms")}
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert len(texts_kept) == 1


def test_a_message_that_never_goes_by_text_still_goes_by_e_mail_for_a_texts_only_client():
    zoe = texting_client(email="zoe@example.com", channels=User.MessageChannels.SMS)
    assert texts.channels_for(zoe, "password_reset") == ["email"]
    assert texts.channels_for(zoe, "plan_run") == ["email"]
    assert texts.channels_for(zoe, "24h") == ["sms"]


def test_a_number_that_cannot_be_read_is_skipped_not_failed(
    therapist, django_capture_on_commit_callbacks, texts_kept
):
    maya = texting_client(email="maya@example.com")
    PregnancyProfile.objects.filter(client=maya).update(phone="", phone_as_given="call my mum")
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        book_session(client=maya, slot=slot)

    text = Reminder.objects.get(kind="booked", channel="sms")
    assert text.status == Reminder.Status.SKIPPED and texts_kept == []


# --- No health words ---------------------------------------------------------------------


def every_health_word() -> set[str]:
    """The distinctive words of every condition's question and title."""
    ignore = {"session", "sessions", "clinic", "example", "before", "after", "please", "check"}
    words = set()
    for rule in engine.CONDITION_RULES:
        for text in (rule.question, rule.title):
            words |= {w for w in re.findall(r"[a-z]{5,}", text.lower()) if w not in ignore}
    return words


def test_no_text_says_a_word_about_her_health(therapist, frozen_clock):
    clinic = therapist.clinic
    frozen_clock(dt.datetime.combine(local_today(clinic), dt.time(12), tzinfo=clinic.tz))
    every_condition = [rule.condition for rule in engine.CONDITION_RULES]
    maya = texting_client(email="maya@example.com", conditions=every_condition)
    slot = slot_at(therapist, local_today(clinic) + dt.timedelta(days=4))
    booking = Booking.objects.create(
        client=maya, slot=slot, starts_at=slot.starts_at, ends_at=slot.ends_at
    )
    kinds = sorted(texts.TEXTABLE_KINDS - {Reminder.Notice.WAITLIST_OFFER})
    bodies = [
        texts.compose(Reminder(kind=kind, channel="sms", booking=booking, recipient=maya))
        for kind in kinds
    ]
    offer = Reminder(
        kind=Reminder.Notice.WAITLIST_OFFER,
        channel="sms",
        recipient=maya,
        payload={
            "text": texts.offer_text_context(starts_at=slot.starts_at, clinic=clinic),
            "link": "https://bolster.example/w/abc/",
        },
    )
    bodies.append(texts.compose(offer))
    # Every template in the folder is rendered above.
    templates = {texts._template(kind) for kind in texts.TEXTABLE_KINDS}
    for name in templates:
        get_template(name)
    assert len(bodies) == len(texts.TEXTABLE_KINDS)

    health_words = every_health_word()
    for body in bodies:
        lowered = body.lower()
        assert not set(re.findall(r"[a-z]+", lowered)) & health_words, body
        assert "week" not in lowered and "pregnan" not in lowered, body
        assert len(body) <= 160, body
        assert f"at {clinic.name}" in body and "https://bolster.example/" in body


# --- Quiet hours ---------------------------------------------------------------------------


def test_a_24h_text_due_at_3am_waits_for_the_end_of_the_quiet_hours(
    therapist, frozen_clock, django_capture_on_commit_callbacks, texts_kept
):
    clinic = therapist.clinic  # quiet 21:00–08:00 by default
    maya = texting_client(email="maya@example.com")
    day = local_today(clinic) + dt.timedelta(days=3)
    slot = slot_at(therapist, day, dt.time(3))
    with django_capture_on_commit_callbacks(execute=True):
        book_session(client=maya, slot=slot)
    mail.outbox.clear()
    texts_kept.clear()

    three_am = slot.starts_at - dt.timedelta(hours=24)
    frozen_clock(three_am)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_reminders()

    text = Reminder.objects.get(booking__slot=slot, kind="24h", channel="sms")
    eight_am = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(8), tzinfo=clinic.tz)
    assert (text.status, text.send_at) == (Reminder.Status.PENDING, eight_am)
    assert texts_kept == [] and len(mail.outbox) == 1  # e-mail wakes nobody

    frozen_clock(eight_am - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_reminders()
    assert texts_kept == []
    frozen_clock(eight_am)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_reminders()
    text.refresh_from_db()
    assert text.status == Reminder.Status.SENT and len(texts_kept) == 1


def test_a_session_blocked_this_morning_is_texted_at_once_even_in_quiet_hours(
    therapist, clinic_admin, frozen_clock, django_capture_on_commit_callbacks, texts_kept
):
    clinic = therapist.clinic
    today = local_today(clinic)
    maya = texting_client(email="maya@example.com")
    slot = slot_at(therapist, today, dt.time(10))
    booking = Booking.objects.create(
        client=maya, slot=slot, starts_at=slot.starts_at, ends_at=slot.ends_at
    )
    later = slot_at(therapist, today + dt.timedelta(days=4), dt.time(10))
    Booking.objects.create(
        client=maya, slot=later, starts_at=later.starts_at, ends_at=later.ends_at
    )
    frozen_clock(dt.datetime.combine(today, dt.time(6, 30), tzinfo=clinic.tz))

    with django_capture_on_commit_callbacks(execute=True):
        block_slots(slots=[slot, later], reason="Therapist ill", by_user=clinic_admin)
        notices.notify_session_blocked(booking)

    cancelled = Reminder.objects.get(kind="cancelled", channel="sms", booking=booking)
    assert cancelled.status == Reminder.Status.SENT  # today's session: at once
    days_away = Reminder.objects.get(kind="cancelled", channel="sms", booking__slot=later)
    assert days_away.status == Reminder.Status.PENDING  # can wait for 08:00
    blocked = Reminder.objects.get(kind="session_blocked", channel="sms")
    assert blocked.status == Reminder.Status.SENT
    assert len(texts_kept) == 2


def test_a_change_to_a_session_days_away_waits_for_the_morning(
    therapist, frozen_clock, django_capture_on_commit_callbacks, texts_kept
):
    clinic = therapist.clinic
    today = local_today(clinic)
    maya = texting_client(email="maya@example.com")
    slot = slot_at(therapist, today + dt.timedelta(days=4))
    booking = Booking.objects.create(
        client=maya, slot=slot, starts_at=slot.starts_at, ends_at=slot.ends_at
    )
    frozen_clock(dt.datetime.combine(today, dt.time(22), tzinfo=clinic.tz))
    with django_capture_on_commit_callbacks(execute=True):
        notices.notify_session_blocked(booking)

    blocked = Reminder.objects.get(kind="session_blocked", channel="sms")
    morning = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(8), tzinfo=clinic.tz)
    assert (blocked.status, blocked.send_at) == (Reminder.Status.PENDING, morning)
    assert texts_kept == []


def test_quiet_hours_follow_the_clinic_setting(clinic):
    clinic.quiet_hours_start, clinic.quiet_hours_end = dt.time(22), dt.time(7)
    at = dt.datetime(2027, 1, 12, 6, 59, tzinfo=clinic.tz)
    assert clinic.quiet_until(at) == dt.datetime(2027, 1, 12, 7, tzinfo=clinic.tz)
    assert clinic.quiet_until(at.replace(hour=7, minute=0)) is None
    assert clinic.quiet_until(at.replace(hour=22, minute=0)) == dt.datetime(
        2027, 1, 13, 7, tzinfo=clinic.tz
    )
    clinic.quiet_hours_start = clinic.quiet_hours_end
    assert clinic.quiet_until(at) is None


# --- Webhooks: STOP/START and delivery receipts --------------------------------------------


def signed_post(client, name: str, params: dict, *, token: str = TOKEN):
    path = reverse(f"sms:{name}")
    signature = RequestValidator(token).compute_signature("https://bolster.example" + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_stop_turns_texts_off_at_once_and_start_back_on(client, therapist, texts_kept):
    maya = texting_client(email="maya@example.com")
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    book_session(client=maya, slot=slot)
    waiting = Reminder.objects.get(kind="24h", channel="sms")

    response = signed_post(client, "inbound", {"From": MOBILE, "Body": " stop "})

    assert response.status_code == 200
    maya.refresh_from_db()
    waiting.refresh_from_db()
    assert maya.message_channels == User.MessageChannels.EMAIL
    assert waiting.status == Reminder.Status.CANCELLED
    assert Reminder.objects.get(kind="24h", channel="email").status == Reminder.Status.PENDING

    signed_post(client, "inbound", {"From": MOBILE, "Body": "START"})
    maya.refresh_from_db()
    assert maya.message_channels == User.MessageChannels.BOTH
    assert maya.sms_opt_in_via == "replied START"
    waiting.refresh_from_db()
    assert waiting.status == Reminder.Status.PENDING


def test_a_text_claimed_before_stop_is_not_sent_after_it(therapist, texts_kept):
    maya = texting_client(email="maya@example.com")
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    row = Reminder.objects.create(
        booking=Booking.objects.create(
            client=maya, slot=slot, starts_at=slot.starts_at, ends_at=slot.ends_at
        ),
        kind="booked",
        channel="sms",
        send_at=timezone.now(),
        status=Reminder.Status.SENDING,
        claimed_until=timezone.now() + dt.timedelta(minutes=4),
    )
    User.objects.filter(pk=maya.pk).update(message_channels=User.MessageChannels.EMAIL)

    assert send_claimed_reminder(reminder_id=row.pk).outcome is Outcome.CANCELLED
    assert texts_kept == []


@pytest.mark.parametrize("token", ["someone-elses-token", None])
def test_a_webhook_without_our_signature_is_refused_and_changes_nothing(client, token):
    maya = texting_client(email="maya@example.com")
    params = {"From": MOBILE, "Body": "STOP"}
    if token is None:
        response = client.post(reverse("sms:inbound"), params)
    else:
        response = signed_post(client, "inbound", params, token=token)

    assert response.status_code == 403
    maya.refresh_from_db()
    assert maya.message_channels == User.MessageChannels.BOTH


def test_a_delivery_receipt_marks_the_text_and_the_clinic_sees_it(
    client, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    maya = texting_client(email="maya@example.com", first_name="Maya")
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        book_session(client=maya, slot=slot)
    text = Reminder.objects.get(kind="booked", channel="sms")

    forged = signed_post(
        client, "status", {"MessageSid": text.provider_id, "MessageStatus": "failed"}, token="x"
    )
    assert forged.status_code == 403
    response = signed_post(
        client, "status", {"MessageSid": text.provider_id, "MessageStatus": "delivered"}
    )
    assert response.status_code == 204
    text.refresh_from_db()
    assert text.delivery_status == Reminder.Delivery.DELIVERED

    client.force_login(clinic_admin)
    page = client.get(reverse("clinics:reminders")).content.decode()
    assert "text" in page and "delivered" in page

    signed_post(client, "status", {"MessageSid": text.provider_id, "MessageStatus": "undelivered"})
    text.refresh_from_db()
    assert text.delivery_status == Reminder.Delivery.FAILED
    assert "not delivered" in client.get(reverse("clinics:reminders")).content.decode()


# --- Her choice on her reminders page ----------------------------------------------------


def test_choosing_texts_needs_her_consent_and_records_it(client, frozen_clock):
    maya = make_ready_client(email="maya@example.com")
    client.force_login(maya)
    url = reverse("booking:reminder_preferences")
    choice = {"same_day_reminders": "on", "message_channels": "both", "phone": "07400 900777"}

    refused = client.post(url, choice)
    assert refused.status_code == 200
    assert "Tick the box to agree to texts" in refused.content.decode()
    assert 'value="07400 900777"' in refused.content.decode()

    moment = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    frozen_clock(moment)
    saved = client.post(url, choice | {"sms_consent": "on"})
    assert saved.url == url
    maya.refresh_from_db()
    assert maya.message_channels == "both"
    assert (maya.sms_opted_in_at, maya.sms_opt_in_via) == (moment, "reminders page")
    assert str(maya.pregnancy_profile.phone) == "+447400900777"


def test_a_phone_that_is_not_a_number_is_refused_beside_the_field(client):
    maya = make_ready_client(email="maya@example.com")
    client.force_login(maya)
    response = client.post(
        reverse("booking:reminder_preferences"),
        {"message_channels": "sms", "phone": "12", "sms_consent": "on"},
    )
    form = response.context["form"]
    assert "doesn't look like a mobile number" in " ".join(form.errors["phone"])
    maya.refresh_from_db()
    assert maya.message_channels == "email"


def test_an_old_number_that_could_not_be_read_is_shown_for_her_to_correct(client):
    maya = make_ready_client(email="maya@example.com")
    PregnancyProfile.objects.filter(client=maya).update(phone="", phone_as_given="0770 oops")
    client.force_login(maya)
    page = client.get(reverse("booking:reminder_preferences")).content.decode()
    assert "couldn't read the mobile number" in page and 'value="0770 oops"' in page


def test_the_phone_migration_keeps_numbers_it_cannot_read(db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("safety.migrations.0008_phone_in_e164")
    good = make_ready_client()
    bad = make_ready_client()
    PregnancyProfile.objects.filter(client=good).update(phone="07400 900123")
    PregnancyProfile.objects.filter(client=bad).update(phone="ring after 6")

    migration.phones_to_e164(apps, None)

    assert PregnancyProfile.objects.get(client=good).phone == "+447400900123"
    unread = PregnancyProfile.objects.get(client=bad)
    assert (str(unread.phone), unread.phone_as_given) == ("", "ring after 6")


# --- The Twilio adapter, against a stand-in for Twilio's API on 127.0.0.1 -----------------


class FakeTwilio(BaseHTTPRequestHandler):
    """The part of Twilio's REST API the adapter uses: create a message."""

    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (the http.server name)
        length = int(self.headers["Content-Length"])
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        match = re.fullmatch(r"/2010-04-01/Accounts/(AC\w+)/Messages\.json", self.path)
        if match is None or not self.headers.get("Authorization", "").startswith("Basic "):
            self.send_response(404)
            self.end_headers()
            return
        sid = f"SM{len(self.received):032d}"
        self.received.append(form | {"sid": sid})
        body = json.dumps(
            {
                "sid": sid,
                "account_sid": match.group(1),
                "to": form["To"],
                "from": form.get("From"),
                "body": form["Body"],
                "status": "queued",
            }
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_twilio(settings):
    FakeTwilio.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "booking.sms.backends.twilio.SmsBackend"
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.SMS_FROM = "+447400000001"
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    yield FakeTwilio.received
    server.shutdown()
    server.server_close()


def test_the_twilio_adapter_sends_and_its_receipts_and_stop_come_back(
    client, therapist, fake_twilio, django_capture_on_commit_callbacks
):
    maya = texting_client(email="maya@example.com")
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        book_session(client=maya, slot=slot)

    [request] = fake_twilio
    assert (request["To"], request["From"]) == (MOBILE, "+447400000001")
    assert request["StatusCallback"] == "https://bolster.example" + reverse("sms:status")
    assert "at Camden Bump Clinic" in request["Body"]
    text = Reminder.objects.get(kind="booked", channel="sms")
    assert (text.status, text.provider_id) == (Reminder.Status.SENT, request["sid"])

    signed_post(client, "status", {"MessageSid": request["sid"], "MessageStatus": "delivered"})
    text.refresh_from_db()
    assert text.delivery_status == Reminder.Delivery.DELIVERED

    signed_post(client, "inbound", {"From": MOBILE, "Body": "STOP"})
    maya.refresh_from_db()
    assert "sms" not in maya.channels


def test_a_provider_that_refuses_is_retried_then_failed(therapist, settings):
    settings.SMS_BACKEND = "booking.sms.backends.twilio.SmsBackend"
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.SMS_FROM = "+447400000001"
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens
    maya = texting_client(email="maya@example.com")
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    book_session(client=maya, slot=slot)
    text = Reminder.objects.get(kind="booked", channel="sms")

    assert send_claimed_reminder(reminder_id=text.pk).outcome is Outcome.RETRY
    text.refresh_from_db()
    assert text.status == Reminder.Status.SENDING and text.attempts == 1 and text.last_error


def test_sending_a_text_costs_a_fixed_number_of_queries(
    therapist, texts_kept, django_assert_num_queries
):
    maya = texting_client(email="maya@example.com")
    slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    book_session(client=maya, slot=slot)
    text = Reminder.objects.get(kind="booked", channel="sms")

    # Savepoint, lock, booking, her number (reaches), her number (compose), save, release.
    with django_assert_num_queries(7):
        send_claimed_reminder(reminder_id=text.pk)
    assert len(texts_kept) == 1


def test_a_caller_with_only_a_phone_who_agrees_to_texts_gets_her_confirmation_by_text(
    client, clinic_admin, therapist, django_capture_on_commit_callbacks, texts_kept
):
    clinic = therapist.clinic
    client.force_login(clinic_admin)
    due = (local_today(clinic) + dt.timedelta(weeks=18)).isoformat()
    new_client = reverse("frontdesk:new_client", kwargs={"slug": clinic.slug})
    refused = client.post(new_client, {"first_name": "Zara", "due_date": due, "texts": "on"})
    assert "Give her phone number" in " ".join(refused.context["form"].errors["phone"])

    response = client.post(
        new_client,
        {
            "first_name": "Zara",
            "phone": "07400 900888",
            "due_date": due,
            "texts": "on",
            "consent": "on",
        },
        follow=True,
    )
    assert "she gets her times and reminders by text" in response.content.decode()
    zara = PregnancyProfile.objects.get(phone="+447400900888").client
    assert (zara.message_channels, zara.sms_opt_in_via) == ("sms", "front desk")

    slot = slot_at(therapist, local_today(clinic) + dt.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        book_session(client=zara, slot=slot, booked_by=clinic_admin)
    [text] = texts_kept
    assert text.to == "+447400900888" and "is booked" in text.body
