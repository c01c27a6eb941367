"""Fixtures shared by the whole suite."""

import datetime as dt
import os

import pytest
import time_machine
from django.test import Client
from django.test.utils import override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from booking.services import outbox
from tests.factories import ClinicFactory, TherapistFactory, UserFactory
from waitlist import services as waitlist_services

# `make test` runs the date-sensitive tests a second time with the clock years ahead (still
# ticking), so a test that quietly depends on today's date fails now rather than next year.
FAR_FUTURE_CLOCK = os.environ.get("BOLSTER_TEST_CLOCK", "")


@pytest.fixture(scope="session", autouse=True)
def _clock_moved_ahead_when_asked():
    if not FAR_FUTURE_CLOCK:
        yield
        return
    with time_machine.travel(dt.datetime.fromisoformat(FAR_FUTURE_CLOCK), tick=True):
        yield


@pytest.fixture(scope="session", autouse=True)
def _private_files_in_a_scratch_folder(tmp_path_factory):
    """Her letters go to a scratch folder the run owns, never the real private storage."""
    from django.core.files.storage import FileSystemStorage

    from safety.models import ClearanceDocument

    field = ClearanceDocument._meta.get_field("file")
    real = field.storage
    field.storage = FileSystemStorage(location=tmp_path_factory.mktemp("private"), base_url=None)
    yield
    field.storage = real


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    # Session-wide, so fixtures built once per module hash quickly too.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def frozen_clock():
    """``frozen_clock(moment)`` stops the clock at an aware ``moment`` for the rest of the test."""
    travels = []

    def freeze(moment: dt.datetime) -> None:
        travel = time_machine.travel(moment, tick=False)
        travel.start()
        travels.append(travel)

    yield freeze
    for travel in reversed(travels):
        travel.stop()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


# The real one, for tests about the broker itself.
REAL_ENQUEUE_SENDS = outbox.enqueue_sends


class InlineWorker:
    """Broker and worker in one, for the unit tests: a queued send runs at once, in-process.

    ``hold()`` keeps what is queued instead, to look at a request before any worker has
    run; ``release()`` then runs it, as a worker would a moment later.
    """

    def __init__(self):
        self.held: list[int] | None = None

    def enqueue(self, reminder_ids) -> None:
        if self.held is not None:
            self.held.extend(reminder_ids)
            return
        # As a worker takes them: in batches, over one connection each.
        reminder_ids = list(reminder_ids)
        for start in range(0, len(reminder_ids), outbox.SEND_BATCH_SIZE):
            batch = reminder_ids[start : start + outbox.SEND_BATCH_SIZE]
            outbox.send_claimed_reminders(reminder_ids=batch)

    def hold(self) -> None:
        self.held = []

    def release(self) -> list[int]:
        held, self.held = self.held or [], None
        self.enqueue(held)
        return held


@pytest.fixture(autouse=True)
def worker(monkeypatch):
    """No real worker runs in unit tests: the outbox's send tasks run in-process."""
    inline = InlineWorker()
    monkeypatch.setattr(outbox, "enqueue_sends", inline.enqueue)
    return inline


@pytest.fixture(autouse=True)
def waitlist_worker(monkeypatch):
    """Freed slots are offered in-process when their transaction commits, as a worker would."""
    monkeypatch.setattr(
        waitlist_services,
        "enqueue_offers",
        lambda slot_ids: waitlist_services.offer_freed_slots(slot_ids=slot_ids),
    )


@pytest.fixture
def client_user(db):
    return UserFactory(first_name="Maya")


@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Camden Bump Clinic", time_zone="Europe/London")


@pytest.fixture
def clinic_admin(clinic):
    user = UserFactory(first_name="Alex")
    clinic.admins.add(user)
    return user


@pytest.fixture
def therapist(clinic):
    return TherapistFactory(clinic=clinic, display_name="Rosa Lind", slug="rosa-lind")


@pytest.fixture
def operator(db):
    return UserFactory(is_staff=True, is_superuser=True)


def confirmed_app_device(user) -> TOTPDevice:
    """Her authenticator app, set up (the test computes its codes with ``totp_code``)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code her app shows now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def verify_second_factor(http: Client, user) -> None:
    """Mark this test browser's login as past the second factor, as typing a code does."""
    session = http.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_app_device(user).persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _staff_logged_in_by_a_test_have_their_second_factor(request, monkeypatch):
    """``force_login`` of a therapist, clinic admin or operator also passes her second factor,
    so tests of staff pages see the pages. Tests of the second factor itself are marked
    ``second_factor`` and log in without it."""
    if request.node.get_closest_marker("second_factor"):
        return
    real_force_login = Client.force_login

    def force_login(self, user, backend=None):
        real_force_login(self, user, backend)
        if mfa.needs_second_factor(user):
            verify_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
