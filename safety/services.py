"""Writing safety flags on bookings and keeping them current when her answers change."""

import datetime as dt

from accounts.models import User
from clinics.models import Clinic


def findings_for(*, client: User, clinic: Clinic, on: dt.date) -> list:
    """The rule set's findings for ``client`` on ``on``, with the clinic's raised severities."""
    raise NotImplementedError


def write_flags(*, booking) -> list:
    """Evaluate ``booking`` at its own date and store its SafetyFlag rows."""
    raise NotImplementedError
