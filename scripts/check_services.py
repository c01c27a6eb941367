"""Say plainly whether PostgreSQL and Redis are ready, before the test suite starts.

On a machine that has never seen Bolster the PostgreSQL server runs but the database named in
``DATABASE_URL`` does not exist yet: it is created here, so ``make test`` needs nothing done by
hand. Anything else that stops the suite (server down, login refused, a database that cannot
be created, Redis down) ends with exit 1 and one line saying what is wrong and how to fix it,
instead of a connection traceback from every test.
"""

import os
import sys
from urllib.parse import urlsplit

import psycopg
import redis
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

# The database every PostgreSQL server has, used to create the missing one.
MAINTENANCE_DATABASE = "postgres"


def _describe(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def _connect(conninfo: str) -> psycopg.Connection:
    return psycopg.connect(conninfo, connect_timeout=3, autocommit=True)


# What libpq says when the server answered but would not let this user in. Errors at connection
# time carry no SQLSTATE in psycopg, so the server's words are all there is to go on.
LOGIN_REFUSED = (
    "password authentication failed",
    "no pg_hba.conf entry",
    'role "',
    "permission denied for database",
)


def _server_problem(error: psycopg.OperationalError, url: str, user: str) -> str:
    """Tell a server that does not answer from one that refuses the login."""
    text = str(error).strip()
    if any(words in text for words in LOGIN_REFUSED):
        return (
            f"PostgreSQL at {_describe(url)} refused the login for user {user!r}: {text}\n"
            "  Fix: put a user who may log in (and its password) in DATABASE_URL, e.g. "
            "postgres://postgres@127.0.0.1:5432/bolster, or create this one "
            f"(`createuser -h HOST -U postgres --createdb {user}`)."
        )
    return (
        f"PostgreSQL is not running at {_describe(url)}: {text}\n"
        "  Fix: start it (e.g. `pg_ctlcluster 15 main start`, or `sudo service postgresql "
        "start`), or point DATABASE_URL at a running server."
    )


def check_postgres(url: str) -> str | None:
    """None when the database answers; create it first when only the database is missing."""
    params = conninfo_to_dict(_libpq_url(url))
    database = params.get("dbname", "")
    user = params.get("user", "")
    try:
        with _connect(make_conninfo(**params)) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.OperationalError as error:
        if f'database "{database}" does not exist' not in str(error):
            return _server_problem(error, url, user)
    return create_database(url, params, database)


def create_database(url: str, params: dict, database: str) -> str | None:
    """Create ``database`` through the maintenance database; a message when that fails."""
    try:
        with _connect(make_conninfo(**{**params, "dbname": MAINTENANCE_DATABASE})) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    except errors.DuplicateDatabase:
        return None
    except psycopg.OperationalError as error:
        return _server_problem(error, url, params.get("user", ""))
    except psycopg.Error as error:
        return (
            f"PostgreSQL at {_describe(url)} is running, but the database {database!r} does not "
            f"exist and could not be created: {str(error).strip()}\n"
            f"  Fix: create it as a user who may (`createdb -h HOST -U postgres {database}`), or "
            "give this user the CREATEDB right."
        )
    print(f"Created the PostgreSQL database {database!r}.", file=sys.stderr)
    return None


def _libpq_url(url: str) -> str:
    """libpq reads postgres:// and postgresql:// URLs; Django's also take pgsql:// and others."""
    scheme, _, rest = url.partition("://")
    return f"postgresql://{rest}" if scheme in {"postgres", "pgsql", "postgis"} else url


def check_redis(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return (
            f"Redis is not running at {_describe(url)}: {error}\n"
            "  Fix: start it (e.g. `redis-server --daemonize yes`, or `sudo service redis-server "
            "start`), or point REDIS_URL at a running server."
        )
    return None


def main() -> int:
    problems = [
        problem
        for problem in (
            check_postgres(os.environ["DATABASE_URL"]),
            check_redis(os.environ["REDIS_URL"]),
        )
        if problem
    ]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print("The tests run against real PostgreSQL and Redis.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
