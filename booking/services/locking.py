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


def _set_lock_timeout() -> None:
    # SQLite (the embedded default) has no row locks: its writers queue on the database file.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])


def short_lock_wait(busy_error: type[Exception]) -> Callable:
    """Decorate a service: run it in a transaction whose lock waits end in ``busy_error``.

    Only the outermost such service sets the timeout (it lasts to the end of the
    transaction), so a block cancelling twelve sessions costs one extra query, not twelve.
    """

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*args, **kwargs):
            outermost = not getattr(_depth, "value", 0)
            _depth.value = getattr(_depth, "value", 0) + 1
            try:
                with transaction.atomic():
                    if outermost:
                        _set_lock_timeout()
                    return func(*args, **kwargs)
            except OperationalError as error:
                if _is_lock_timeout(error):
                    raise busy_error() from error
                raise
            finally:
                _depth.value -= 1

        return run

    return decorate
