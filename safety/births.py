"""Recording the birth: the day postnatal rules take over from the pregnancy rules.

Kept apart from the booking consequences (cancelling her prenatal sessions, offering postnatal
ones), which belong to the booking app and call ``record_birth`` inside their transaction.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from clinics.models import Clinic
from safety import engine
from safety.models import AuditEntry, PregnancyProfile
from safety.services import ProfileMissing, SafetyError, log_audit

# A birth this long before the due date (20w0d) is outside what this app looks after.
EARLIEST_BIRTH_BEFORE_DUE_DATE = dt.timedelta(weeks=20)


class BirthError(SafetyError):
    """The birth cannot be recorded as given; the message says why, beside the field."""


def birth_date_problem(*, birth_date: dt.date, due_date: dt.date, today: dt.date) -> str | None:
    """A plain-words reason the date cannot be her baby's birthday, or ``None``."""
    if birth_date > today:
        return "The birth date can't be in the future."
    if birth_date < due_date - EARLIEST_BIRTH_BEFORE_DUE_DATE:
        return (
            "That date is more than 20 weeks before your due date. Please check the date, or "
            "call the clinic."
        )
    if birth_date < today - dt.timedelta(weeks=52):
        return "That date is more than a year ago. Please check the date."
    return None


@transaction.atomic
def record_birth(
    *,
    client: User,
    birth_date: dt.date,
    delivery: str,
    recorded_by: User,
    clinic: Clinic | None = None,
) -> PregnancyProfile:
    """Store her baby's birth date and delivery on her profile, once, and audit who did it.

    ``clinic`` is the clinic recording it on her behalf (``None`` when she does it herself).
    """
    profile = PregnancyProfile.objects.select_for_update().filter(client=client).first()
    if profile is None:
        raise ProfileMissing()
    if profile.birth_date is not None:
        raise BirthError(
            f"The birth is already recorded ({profile.birth_date:%-d %B %Y}). If that is "
            "wrong, please call the clinic."
        )
    if delivery not in engine.DELIVERIES:
        raise BirthError("Please say whether the birth was vaginal or by caesarean.")
    today = clinic.today() if clinic is not None else timezone.localdate()
    problem = birth_date_problem(birth_date=birth_date, due_date=profile.due_date, today=today)
    if problem:
        raise BirthError(problem)
    profile.birth_date = birth_date
    profile.delivery = delivery
    profile.birth_recorded_at = timezone.now()
    profile.birth_recorded_by = recorded_by
    profile.save(
        update_fields=[
            "birth_date",
            "delivery",
            "birth_recorded_at",
            "birth_recorded_by",
            "updated_at",
        ]
    )
    log_audit(
        actor=recorded_by,
        client=client,
        clinic=clinic,
        action=AuditEntry.Action.RECORDED_BIRTH,
        detail="",
    )
    return profile
