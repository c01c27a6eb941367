"""When the baby arrives: her prenatal sessions and plans end, and postnatal ones open up."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Booking, Plan, PlannedSession
from booking.services.bookings import cancel_without_notice
from booking.services.notices import notify_baby_arrived
from clinics.models import Clinic
from safety import births, engine
from safety import services as safety_services
from safety.models import PregnancyProfile

BABY_ARRIVED = "Baby arrived"


@dataclass
class BabyArrival:
    profile: PregnancyProfile
    cancelled: list[Booking]
    ended_plans: list[Plan]


@transaction.atomic
def record_baby_arrival(
    *,
    client: User,
    birth_date: dt.date,
    delivery: str,
    recorded_by: User,
    clinic: Clinic | None = None,
) -> BabyArrival:
    """Record the birth and end her pregnancy in the app, all in one transaction.

    Every upcoming session (all booked as pregnancy sessions) is cancelled free of the notice
    rule, with its reminders; her active plans end. She gets one notice, and each admin of a
    clinic concerned and each therapist of a cancelled session one of their own. ``clinic``
    is set when the clinic records the birth on her behalf.
    """
    profile = births.record_birth(
        client=client,
        birth_date=birth_date,
        delivery=delivery,
        recorded_by=recorded_by,
        clinic=clinic,
    )
    by = Booking.CancelledBy.CLINIC if clinic is not None else Booking.CancelledBy.CLIENT
    upcoming_ids = list(
        Booking.objects.filter(
            client=client, status=Booking.Status.BOOKED, starts_at__gt=timezone.now()
        )
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )
    cancelled = cancel_without_notice(booking_ids=upcoming_ids, by=by, reason=BABY_ARRIVED)
    ended_plans = list(
        Plan.objects.select_for_update().filter(client=client, status=Plan.Status.ACTIVE)
    )
    now = timezone.now()
    PlannedSession.objects.filter(plan__client=client, status=PlannedSession.Status.PLANNED).update(
        status=PlannedSession.Status.CANCELLED, handled_at=now
    )
    for plan in ended_plans:
        plan.status = Plan.Status.ENDED
        plan.cancelled_at = now
        plan.save(update_fields=["status", "cancelled_at"])
    notify_baby_arrived(client=client, cancelled=cancelled)
    return BabyArrival(profile=profile, cancelled=cancelled, ended_plans=ended_plans)


def first_postnatal_day(*, profile: PregnancyProfile, conditions, today: dt.date) -> dt.date | None:
    """The first day from ``today`` on that no rule blocks, or ``None``.

    With the stage rules alone that is the birth day after a vaginal birth and day 14 after a
    caesarean; a red-flag answer in her intake blocks every day until she updates her answers.
    """
    postnatal_codes = {rule.code for rule in engine.POSTNATAL_RULES}
    limit = profile.birth_date + safety_services.POSTNATAL_BOOKING_LIMIT
    day = max(today, profile.birth_date)
    while day <= limit:
        blocks = {
            finding.code
            for finding in engine.evaluate(
                profile.due_date,
                day,
                conditions,
                birth_date=profile.birth_date,
                delivery=profile.delivery,
            )
            if finding.severity == engine.BLOCK
        }
        if not blocks:
            return day
        if blocks - postnatal_codes:
            return None
        day += dt.timedelta(days=1)
    return None
