"""GET /healthz names what is down."""

import pytest
from django.db import OperationalError

from config import health
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_with_database_and_broker_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_answers_503_naming_the_broker_when_redis_is_unreachable(client, monkeypatch):
    # Nothing listens on port 1: the broker is unreachable, as when Redis is down.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "broker": "down"}


def test_healthz_answers_503_naming_the_database_when_it_fails(client, monkeypatch):
    def failing_cursor():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", failing_cursor)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert response.json()["broker"] == "ok"


def test_healthz_keeps_one_broker_connection_open_between_checks(client):
    for _ in range(5):
        assert client.get("/healthz").status_code == 200

    pool = health.redis_client(celery_app.conf.broker_url).connection_pool
    # One connection made and handed back after each check: no new one per call.
    assert pool._created_connections == 1
    assert len(pool._available_connections) == 1


def test_healthz_stays_ok_when_redis_drops_its_warm_connection(client):
    # Redis closing an idle client (a restart, a timeout) must not read as "broker down".
    assert client.get("/healthz").status_code == 200
    warm = health.redis_client(celery_app.conf.broker_url)
    warm.client_kill_filter(_id=warm.client_id())

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"] == "ok"
