"""Transactions whose row locks wait a short, fixed time, then say "busy" instead of hanging.

Booking, moving, cancelling, blocking and plans lock the slots and bookings they change
(``SELECT … FOR UPDATE``), so two people after the same rows are served one after the other.
Normally the first is done in milliseconds. If something holds a lock far longer (a stuck
transaction, a long block of a busy day), the others would wait with it, each holding a web
worker, until the request times out. PostgreSQL's ``lock_timeout`` stops that wait after
``LOCK_TIMEOUT`` (3 s, as pretix does); the error becomes a friendly domain error the view
shows beside the form, and the transaction rolls back leaving nothing half-made.
"""

import functools
import threading
from collections.abc import Callable

from django.db import OperationalError, connection, transaction

LOCK_TIMEOUT = "3s"
LOCK_NOT_AVAILABLE = "55P03"

_depth = threading.local()


def _is_lock_timeout(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE


def _set_lock_timeout() -> str | None:
    """Set the short timeout for this transaction; return the one it replaces."""
    # SQLite (the embedded default) has no row locks: its writers queue on the database file.
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
            [LOCK_TIMEOUT],
        )
        return cursor.fetchone()[0]


def _restore_lock_timeout(previous: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


def short_lock_wait(busy_error: type[Exception]) -> Callable:
    """Decorate a service: run it in a transaction whose lock waits end in ``busy_error``.

    Only the outermost such service sets the timeout, so a block cancelling twelve sessions
    costs one extra query, not twelve. Called inside a caller's own transaction (deleting an
    account cancels her sessions), it puts the caller's timeout back when it is done, so the
    caller's later locks wait as they always did.
    """

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*args, **kwargs):
            outermost = not getattr(_depth, "value", 0)
            in_callers_transaction = connection.in_atomic_block
            _depth.value = getattr(_depth, "value", 0) + 1
            try:
                with transaction.atomic():
                    previous = _set_lock_timeout() if outermost else None
                    result = func(*args, **kwargs)
                    # On an error the savepoint's rollback puts the old timeout back itself.
                    if previous is not None and in_callers_transaction:
                        _restore_lock_timeout(previous)
                    return result
            except OperationalError as error:
                if _is_lock_timeout(error):
                    raise busy_error() from error
                raise
            finally:
                _depth.value -= 1

        return run

    return decorate
