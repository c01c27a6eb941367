"""The session engine: Django's database sessions, with the read every page makes written out."""

import functools

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from common.db import prepared_cursor


@functools.cache
def read_sql(model) -> str:
    quote = connections[router.db_for_read(model)].ops.quote_name
    field = model._meta.get_field
    return (
        f"SELECT {quote(field('session_data').column)} FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(field('session_key').column)} = %s "
        f"AND {quote(field('expire_date').column)} > %s"
    )


class SessionStore(db.SessionStore):
    """Every logged-in page starts by reading its session. Compiling that one-row read
    through the ORM cost several times running it, so it is written out once; saving,
    expiry and deletion stay Django's own."""

    def _get_session_from_db(self):
        if not self.session_key:
            self._session_key = None
            return None
        with prepared_cursor(router.db_for_read(self.model)) as cursor:
            cursor.execute(read_sql(self.model), [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])
