"""Fixtures shared by the whole suite."""

import pytest

from booking.services import outbox
from tests.factories import ClinicFactory, TherapistFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
        for reminder_id in reminder_ids:
            outbox.send_claimed_reminder(reminder_id=reminder_id)

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
