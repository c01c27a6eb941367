"""Statements the busiest pages send on every visit, planned once per database connection."""

from contextlib import contextmanager

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.base import CursorDebugWrapper as PostgresDebugCursor
from django.db.backends.utils import CursorWrapper
from django.db.models.query import get_related_populators


def loaded_value(field, value, connection):
    """A column read with written-out SQL, as the ORM would load it: the backend's converters
    (SQLite hands back date-times naive or as text), then the field's own."""
    column = field.cached_col
    for convert in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
        value = convert(value, column, connection)
    return value


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS):
    """A cursor whose statements PostgreSQL plans once per connection and then reuses.

    Django's cursors bind parameters on the client, so PostgreSQL plans each statement
    afresh; for the slot picker's queries planning took three to four times as long as
    running them. This cursor sends the parameters apart from the statement, so psycopg
    prepares a statement once it has run a few times on a connection (``prepare_threshold``
    in the database settings) and PostgreSQL reuses the plan. It still goes through Django's
    cursor wrapper: query logging, ``execute_wrapper`` and error translation apply as usual.

    Only for SQL written for PostgreSQL; other databases get Django's own cursor.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    with connection.wrap_database_errors:
        cursor = (
            PreparedDebugCursor(raw, connection)
            if connection.queries_logged
            else connection.make_cursor(raw)
        )
    with cursor:
        yield cursor


class PreparedDebugCursor(PostgresDebugCursor):
    """Logs each statement with its values written in, as Django logs its own cursors' SQL.

    Django reads the logged text back from psycopg, which keeps none for a statement run from
    its prepared copy; the log (and everything reading it: query counts, EXPLAIN of a page's
    queries) would get ``None``.
    """

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


class PreparedQuery:
    """An ORM query compiled to SQL once per process and run as a prepared statement.

    Django compiles a queryset to SQL each time it runs. For the small reads every visit to
    a busy page makes (the clinic by its slug, the time being booked with its therapist and
    clinic) compiling cost more than PostgreSQL took to run them, and then PostgreSQL planned
    them afresh as well. Here ``build(**placeholders)`` makes the queryset once, with a
    stand-in for each value that changes from call to call; ``fetch(**values)`` sends the
    same SQL with the real values and builds the rows as the queryset itself would (model
    instances, with ``select_related`` objects and annotations).

    ``build`` must give SQL of one shape whatever the values: no lists whose length varies.
    Each stand-in must be a value of the column's type that no real row holds (a negative
    id, say) and must reach the SQL unchanged. Other databases run ``build(**values)``.
    """

    def __init__(self, build, **placeholders):
        self.build = build
        self.placeholders = placeholders
        self._compiled = None

    def fetch(self, using: str = DEFAULT_DB_ALIAS, **values) -> list:
        if connections[using].vendor != "postgresql":
            return list(self.build(**values))
        compiled = self._compiled or self._compile()
        params = [
            values[slot.name] if isinstance(slot, _Placeholder) else slot
            for slot in compiled.params
        ]
        with prepared_cursor(using) as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return compiled.objects(rows, using)

    def _compile(self) -> "_CompiledQuery":
        queryset = self.build(**self.placeholders)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots = [self._placeholder_or_fixed(value) for value in params]
        missing = set(self.placeholders) - {s.name for s in slots if isinstance(s, _Placeholder)}
        if missing:
            raise ValueError(f"The query's SQL does not take {', '.join(sorted(missing))}.")
        self._compiled = _CompiledQuery(sql, slots, compiler)
        return self._compiled

    def _placeholder_or_fixed(self, value):
        names = [
            name
            for name, stand_in in self.placeholders.items()
            if type(value) is type(stand_in) and value == stand_in
        ]
        if len(names) > 1:
            raise ValueError(f"Stand-ins {', '.join(names)} are equal; give each its own.")
        return _Placeholder(names[0]) if names else value


class _Placeholder:
    def __init__(self, name: str):
        self.name = name


class _CompiledQuery:
    """A queryset's SQL, its parameters, and how ``ModelIterable`` builds objects of its rows."""

    def __init__(self, sql: str, params: list, compiler):
        self.sql = sql
        self.params = params
        self.compiler = compiler
        klass_info = compiler.klass_info
        if klass_info is None or compiler.query.extra_select or compiler.query.values_select:
            raise ValueError("Only querysets of model instances can be prepared.")
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.model_columns = slice(fields[0], fields[-1] + 1)
        self.init_list = [
            column[0].target.attname for column in compiler.select[self.model_columns]
        ]
        self.annotation_columns = compiler.annotation_col_map
        self.populators = {}

    def objects(self, rows: list, db: str) -> list:
        if db not in self.populators:
            self.populators[db] = get_related_populators(
                self.compiler.klass_info, self.compiler.select, db
            )
        populators = self.populators[db]
        built = []
        for row in self.compiler.results_iter(results=[rows]):
            obj = self.model.from_db(db, self.init_list, row[self.model_columns])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in (self.annotation_columns or {}).items():
                setattr(obj, name, row[position])
            built.append(obj)
        return built
