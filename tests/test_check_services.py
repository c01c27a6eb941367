"""The pre-flight check of `make test`: a missing database is created, every other problem is
named in plain words with the command that fixes it."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_services.py"


def server_url(*, user: str | None = None, database: str) -> str:
    db = settings.DATABASES["default"]
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    password = f":{db['PASSWORD']}" if db["PASSWORD"] and user is None else ""
    return f"postgres://{user or db['USER']}{password}@{host}:{port}/{database}"


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_check(database_url: str, redis_url: str | None = None):
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url or settings.REDIS_URL}
    return subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )


def admin_connection():
    return psycopg.connect(
        server_url(database="postgres").replace("postgres://", "postgresql://", 1),
        autocommit=True,
    )


@pytest.fixture
def new_database_name():
    name = f"bolster_fresh_{uuid.uuid4().hex[:10]}"
    yield name
    with admin_connection() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def role_without_createdb():
    name = f"bolster_nocreate_{uuid.uuid4().hex[:8]}"
    with admin_connection() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOCREATEDB").format(sql.Identifier(name)))
    yield name
    with admin_connection() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def test_a_database_that_does_not_exist_yet_is_created(new_database_name):
    result = run_check(server_url(database=new_database_name))

    assert result.returncode == 0, result.stderr
    assert f"Created the PostgreSQL database '{new_database_name}'" in result.stderr
    with admin_connection() as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [new_database_name]
        ).fetchone()
    assert found


def test_an_existing_database_passes_quietly():
    result = run_check(server_url(database="postgres"))

    assert result.returncode == 0
    assert result.stderr == ""


def test_a_server_that_is_down_is_named_with_how_to_start_it():
    url = f"postgres://postgres@127.0.0.1:{unused_port()}/bolster"

    result = run_check(url)

    assert result.returncode == 1
    assert "PostgreSQL is not running at" in result.stderr
    assert "Fix: start it" in result.stderr


def test_a_refused_login_is_told_apart_from_a_server_that_is_down():
    result = run_check(server_url(user="no_such_bolster_user", database="bolster"))

    assert result.returncode == 1
    assert "refused the login for user 'no_such_bolster_user'" in result.stderr
    assert "not running" not in result.stderr


def test_a_database_that_cannot_be_created_says_who_may_create_it(role_without_createdb):
    database = f"bolster_never_{uuid.uuid4().hex[:8]}"

    result = run_check(server_url(user=role_without_createdb, database=database))

    assert result.returncode == 1
    assert f"the database '{database}' does not exist and could not be created" in result.stderr
    assert f"createdb -h HOST -U postgres {database}" in result.stderr


def test_redis_that_is_down_is_named_with_how_to_start_it():
    result = run_check(
        server_url(database="postgres"), redis_url=f"redis://127.0.0.1:{unused_port()}/0"
    )

    assert result.returncode == 1
    assert "Redis is not running at" in result.stderr
    assert "error: PostgreSQL" not in result.stderr
