"""``GET /healthz``: is the database reachable, is the broker reachable."""

import functools
import logging

import redis
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


def database_is_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        logger.warning("Health check: database unreachable: %s", error)
        return False
    return True


@functools.lru_cache(maxsize=4)
def redis_client(url: str) -> redis.Redis:
    """One client per broker URL and process: its pool keeps the connection open, so a
    check is a PING on a warm socket instead of a new connection every few seconds."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
        health_check_interval=0,
    )


def broker_is_up() -> bool:
    url = celery_app.conf.broker_url
    try:
        if url.startswith(("redis://", "rediss://")):
            redis_client(url).ping()
        else:
            # The embedded (filesystem) broker of a machine without Redis.
            with celery_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:
        logger.warning("Health check: broker unreachable: %s", error)
        return False
    return True


@never_cache
@require_GET
def healthz(request):
    parts = {
        "database": "ok" if database_is_up() else "down",
        "broker": "ok" if broker_is_up() else "down",
    }
    healthy = all(value == "ok" for value in parts.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", **parts}, status=200 if healthy else 503
    )
