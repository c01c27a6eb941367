"""The session read every page makes: the right session, never an expired or unknown one."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def saved_session(**data) -> str:
    store = SessionStore()
    store.update(data)
    store.create()
    return store.session_key


def test_a_saved_session_is_read_back_in_one_query(django_assert_num_queries):
    key = saved_session(basket="plan", step=3)

    with django_assert_num_queries(1):
        loaded = SessionStore(key).load()

    assert loaded == {"basket": "plan", "step": 3}


def test_an_expired_session_reads_as_empty_and_gets_a_new_key():
    key = saved_session(step=3)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(1))

    store = SessionStore(key)

    assert store.load() == {}
    assert store.session_key is None


@pytest.mark.parametrize("key", ["no-such-session-key-xxxxxxxxxxxxx", "short", "", None])
def test_an_unknown_or_malformed_key_reads_as_empty(key):
    assert SessionStore(key).load() == {}


def test_tampered_session_data_reads_as_empty():
    key = saved_session(step=3)
    Session.objects.filter(session_key=key).update(session_data="forged")

    assert SessionStore(key).load() == {}


def test_a_logged_in_page_uses_this_store(client, settings):
    assert settings.SESSION_ENGINE == "accounts.session_store"
    from tests.factories import UserFactory

    client.force_login(UserFactory(email="maya@example.com"))
    page = client.get("/").content.decode()
    assert "Menu" in page and "maya@example.com" in page
