"""What may stop a booked session from starting, as the apps above booking tell it.

Booking knows nothing of check-ins; an app that can hold a session (care, after a red flag at
check-in) registers a check when it loads, and whatever marks a session started or attended
asks ``reasons_not_to_start`` first.
"""

from collections.abc import Callable

from booking.models import Booking

StartCheck = Callable[[Booking], str | None]

_checks: list[StartCheck] = []


def register_start_check(check: StartCheck) -> None:
    """``check(booking)`` returns why the session must not start yet, or None."""
    if check not in _checks:
        _checks.append(check)


def reasons_not_to_start(booking: Booking) -> list[str]:
    return [reason for check in _checks if (reason := check(booking))]
