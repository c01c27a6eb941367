"""Statements the busiest pages send on every visit, planned once per database connection."""

from contextlib import contextmanager

import psycopg
from django.db import connection


@contextmanager
def prepared_cursor():
    """A cursor whose statements PostgreSQL plans once per connection and then reuses.

    Django's cursors bind parameters on the client, so PostgreSQL plans each statement
    afresh; for the slot picker's queries planning took three to four times as long as
    running them. This cursor sends the parameters apart from the statement, so psycopg
    prepares a statement once it has run a few times on a connection (``prepare_threshold``
    in the database settings) and PostgreSQL reuses the plan. It still goes through Django's
    cursor wrapper: query logging, ``execute_wrapper`` and error translation apply as usual.

    Only for SQL written for PostgreSQL; other databases get Django's own cursor.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    with connection.wrap_database_errors:
        cursor = (
            connection.make_debug_cursor(raw)
            if connection.queries_logged
            else connection.make_cursor(raw)
        )
    with cursor:
        yield cursor
