"""Her plans follow her due date: dates past an earlier one go, a later one offers more weeks."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from booking.models import Booking, Plan, PlannedSession
from booking.services.bookings import cancel_without_notice
from booking.services.errors import PlanError
from booking.services.notices import notify_due_date_moved
from booking.services.plans import PlanPreview, PlanResult, book_preview, preview_plan
from booking.services.reminders import refresh_plan_end_reminder

DUE_DATE_MOVED = "Due date moved"


@dataclass
class DueDateRefit:
    cancelled: list[Booking] = field(default_factory=list)
    shortened: list[Plan] = field(default_factory=list)
    extendable: list[Plan] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.cancelled or self.shortened or self.extendable)


def _cancel_after(plan: Plan, new_due_date: dt.date, now: dt.datetime) -> list[Booking]:
    """Her plan's sessions after ``new_due_date``: cancelled free of the notice rule."""
    clinic = plan.therapist.clinic
    _, after_due_date = clinic.day_bounds(new_due_date)
    ids = list(
        plan.bookings.filter(
            status=Booking.Status.BOOKED, starts_at__gte=after_due_date, starts_at__gt=now
        )
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )
    cancelled = cancel_without_notice(
        booking_ids=ids, by=Booking.CancelledBy.CLIENT, reason=DUE_DATE_MOVED
    )
    plan.planned_sessions.filter(status=PlannedSession.Status.PLANNED, on__gt=new_due_date).update(
        status=PlannedSession.Status.CANCELLED, handled_at=now
    )
    return cancelled


@transaction.atomic
def refit_plans(*, client: User, old_due_date: dt.date, new_due_date: dt.date) -> DueDateRefit:
    """Fit her active prenatal plans to ``new_due_date``; she gets one message if anything changed.

    Earlier: sessions and planned dates after it are cancelled and the plan's end moves to it (a
    plan that would start after it is cancelled). Later: a plan that ran to the old due date is
    offered the extra weeks (``extension_preview``); nothing is booked until she accepts.
    """
    result = DueDateRefit()
    profile = getattr(client, "pregnancy_profile", None)
    if profile is not None and profile.birth_date is not None:
        return result
    now = timezone.now()
    plans = Plan.objects.select_for_update().filter(client=client, status=Plan.Status.ACTIVE)
    for plan in plans.select_related("therapist__clinic").order_by("created_at"):
        if new_due_date < plan.ends_on:
            result.cancelled += _cancel_after(plan, new_due_date, now)
            if new_due_date < plan.starts_on:
                plan.status = Plan.Status.CANCELLED
                plan.cancelled_at = now
            else:
                plan.ends_on = new_due_date
            plan.save(update_fields=["ends_on", "status", "cancelled_at"])
            refresh_plan_end_reminder(plan=plan)
            result.shortened.append(plan)
        elif new_due_date > old_due_date and plan.ends_on == old_due_date:
            result.extendable.append(plan)
    if result.changed_anything:
        notify_due_date_moved(
            client=client,
            cancelled=result.cancelled,
            shortened=result.shortened,
            extendable=result.extendable,
        )
    return result


def plans_follow_due_date(
    *, client: User, old_due_date: dt.date, new_due_date: dt.date
) -> str | None:
    """Her plans follow her moved due date; the page listing what changed, if anything did."""
    refit = refit_plans(client=client, old_due_date=old_due_date, new_due_date=new_due_date)
    return reverse("booking:due_date_changes") if refit.changed_anything else None


def extension_start(plan: Plan) -> dt.date:
    return max(plan.ends_on + dt.timedelta(days=1), plan.therapist.clinic.today())


def extension_preview(*, plan: Plan) -> PlanPreview:
    """The weeks between the plan's end and her (later) due date, as a plan preview."""
    due_date = plan.client.pregnancy_profile.due_date
    if plan.status != Plan.Status.ACTIVE or due_date <= plan.ends_on:
        raise PlanError("This plan already runs to your due date.")
    return preview_plan(
        client=plan.client,
        therapist=plan.therapist,
        weekdays=plan.weekdays,
        local_time=plan.local_time,
        starts_on=extension_start(plan),
        ends_on=due_date,
    )


@transaction.atomic
def extend_plan(*, plan: Plan, accepted_slot_ids) -> PlanResult:
    """Book the extra weeks she accepted and move the plan's end to her due date."""
    plan = Plan.objects.select_for_update().select_related("therapist__clinic").get(pk=plan.pk)
    preview = extension_preview(plan=plan)
    result = book_preview(
        client=plan.client, preview=preview, accepted_slot_ids=accepted_slot_ids, plan=plan
    )
    plan.ends_on = preview.ends_on
    plan.save(update_fields=["ends_on"])
    refresh_plan_end_reminder(plan=plan)
    return result
