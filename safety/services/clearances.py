"""Clearances a clinician gave her, and which of them hold on a date."""

import datetime as dt

from django.db.models import QuerySet

from accounts.models import User
from safety.models import Clearance


def clearances_covering(*, client: User | int, on: dt.date) -> QuerySet[Clearance]:
    """Her clearances valid on ``on``: issued on or before it, and not yet expired."""
    return Clearance.objects.filter(client=client).covering(on)
