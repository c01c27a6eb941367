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
