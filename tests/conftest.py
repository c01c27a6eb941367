"""Fixtures shared by the whole suite."""

import pytest

from tests.factories import ClinicFactory, TherapistFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


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
