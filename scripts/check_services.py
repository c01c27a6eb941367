"""Say plainly whether PostgreSQL and Redis answer, before the test suite starts.

Exits 1 with a message naming what is down instead of letting the tests fail with
connection tracebacks.
"""

import os
import sys

import psycopg
import redis


def check_postgres(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL is not reachable at {url}: {str(error).strip()}"
    return None


def check_redis(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis is not reachable at {url}: {error}"
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
        print(
            "The tests run against real PostgreSQL and Redis. Start them, or point "
            "DATABASE_URL and REDIS_URL at running servers.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
