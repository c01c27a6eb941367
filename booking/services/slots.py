"""Laying out, blocking and unblocking appointment slots."""

import datetime as dt

from booking.models import Slot
from clinics.models import Therapist


def generate_slots(*, therapist: Therapist, start: dt.date, end: dt.date) -> list[Slot]:
    """Lay session-length slots inside working hours from ``start`` to ``end`` (inclusive)."""
    raise NotImplementedError
