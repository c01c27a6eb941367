"""Rolling plans: dates past the booking horizon, booked for her as the horizon reaches them.

The hourly slot layout calls ``book_due_planned_sessions`` for each therapist in the same
transaction that lays out her new slots, so nobody sees those slots before the plans that want
them have booked them; older plans go first. Each date goes through the booking service
(``book_slot``) with safety evaluated at its own date. A date that cannot be booked (time taken,
therapist off, a safety rule) is marked with the reason and the nearest free times that week.
``report_plan_runs`` then writes each client one notice for everything her plans did in the
run. Running the layout twice books nothing twice: a planned session is handled once.
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from booking.models import Booking, Plan, PlannedSession, Slot
from booking.queries import attach_alternatives, bookable_slots
from booking.services.bookings import book_slot, check_safety_findings
from booking.services.errors import BookingError
from booking.services.notices import notify_plan_run
from booking.services.plans import books_automatically_on
from booking.services.reminders import refresh_plan_end_reminder
from clinics.models import Therapist
from common.db import PreparedQuery

ALTERNATIVES_OFFERED = 3


def _last_open_day(therapist: Therapist) -> dt.date:
    clinic = therapist.clinic
    return clinic.today() + dt.timedelta(weeks=clinic.booking_horizon_weeks)


def due_planned_sessions(*, therapist: Therapist):
    """Her plans' planned sessions whose day the layout has reached, oldest plan first."""
    return (
        PlannedSession.objects.select_for_update(of=("self",))
        .filter(
            status=PlannedSession.Status.PLANNED,
            plan__therapist=therapist,
            plan__status=Plan.Status.ACTIVE,
            on__lte=_last_open_day(therapist),
        )
        .select_related("plan__client", "plan__therapist__clinic")
        .order_by("plan__created_at", "plan_id", "starts_at")
    )


def nearest_alternatives(*, planned: PlannedSession) -> list[Slot]:
    """Free times of her therapist in the same week, nearest first, that she could book now."""
    plan = planned.plan
    clinic = plan.therapist.clinic
    monday = planned.on - dt.timedelta(days=planned.on.weekday())
    week_start, week_end = clinic.day_bounds(monday, monday + dt.timedelta(days=6))
    her_sessions = list(
        Booking.objects.filter(
            client=plan.client,
            status=Booking.Status.BOOKED,
            starts_at__lt=week_end,
            ends_at__gt=week_start,
        ).values_list("starts_at", "ends_at")
    )
    candidates = [
        slot
        for slot in bookable_slots(clinic=clinic, therapist=plan.therapist).filter(
            starts_at__gte=week_start, starts_at__lt=week_end
        )
        if not any(start < slot.ends_at and end > slot.starts_at for start, end in her_sessions)
    ]
    candidates.sort(key=lambda slot: abs(slot.starts_at - planned.starts_at))
    alternatives, blocked_days = [], set()
    for slot in candidates:
        day = clinic.local_date(slot.starts_at)
        if day in blocked_days:
            continue
        try:
            findings = check_safety_findings(client=plan.client, clinic=clinic, on=day)
        except BookingError:
            findings = None
        if findings is None or any(finding.severity == "block" for finding in findings):
            blocked_days.add(day)
            continue
        alternatives.append(slot)
        if len(alternatives) == ALTERNATIVES_OFFERED:
            break
    return sorted(alternatives, key=lambda slot: slot.starts_at)


def _book_one(planned: PlannedSession, now: dt.datetime) -> None:
    plan = planned.plan
    slot = (
        Slot.objects.filter(therapist=plan.therapist, starts_at=planned.starts_at).first()
        if planned.starts_at > now
        else None
    )
    try:
        if planned.starts_at <= now:
            raise BookingError("That date passed before it could be booked.")
        if slot is None:
            raise BookingError(f"{plan.therapist.display_name} isn't working at that time.")
        # A savepoint: a refusal leaves the run's transaction usable for the next date.
        with transaction.atomic():
            planned.booking = book_slot(client=plan.client, slot=slot, plan=plan)
        planned.status = PlannedSession.Status.BOOKED
    except BookingError as error:
        planned.status = PlannedSession.Status.NOT_BOOKED
        planned.reason = str(error)[:300]
        planned.alternative_slot_ids = [s.pk for s in nearest_alternatives(planned=planned)]
    planned.handled_at = now
    planned.save(
        update_fields=["status", "booking", "reason", "alternative_slot_ids", "handled_at"]
    )


def book_due_planned_sessions(*, therapist: Therapist) -> list[PlannedSession]:
    """Book her plans' dates the layout has just reached; run inside the layout's transaction.

    The time of a planned session is held for its plan (nobody else can book it), so it is
    still free here unless the clinic blocked it or the therapist is off.
    """
    now = timezone.now()
    handled = list(due_planned_sessions(therapist=therapist))
    for planned in handled:
        _book_one(planned, now)
    for plan in {planned.plan_id: planned.plan for planned in handled}.values():
        refresh_plan_end_reminder(plan=plan)
    return handled


def settle_plans_of_inactive_therapists() -> int:
    """Planned dates of a therapist no longer offered: each reported once as not booked.

    The layout only visits active therapists, so without this her plans' dates would wait
    forever. Returns how many dates were settled.
    """
    settled = 0
    inactive = Therapist.objects.filter(
        is_active=False, plans__planned_sessions__status=PlannedSession.Status.PLANNED
    ).distinct()
    for therapist in inactive.select_related("clinic"):
        with transaction.atomic():
            settled += len(book_due_planned_sessions(therapist=therapist))
    return settled


def _her_dates_ahead(client_id: int, now: dt.datetime):
    return (
        PlannedSession.objects.select_related("plan__therapist__clinic")
        .filter(
            plan__client_id=client_id,
            plan__status=Plan.Status.ACTIVE,
            status__in=[PlannedSession.Status.PLANNED, PlannedSession.Status.NOT_BOOKED],
            starts_at__gt=now,
        )
        .order_by("starts_at")
    )


# Her active plans' dates still to come, read on every visit to "My bookings".
HER_DATES_AHEAD = PreparedQuery(
    _her_dates_ahead, client_id=-1, now=dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC)
)


def planned_sessions_to_show(*, plans=None, client=None) -> list[PlannedSession]:
    """For her pages: planned and missed dates of ``plans`` (or of all her active plans).

    Each carries ``books_on`` (when the layout books it) and ``alternatives`` (still free).
    Two queries whatever the number of dates.
    """
    if plans is not None:
        rows = list(
            PlannedSession.objects.select_related("plan__therapist__clinic")
            .filter(plan__in=plans)
            .exclude(status=PlannedSession.Status.BOOKED)
            .order_by("starts_at")
        )
    else:
        rows = HER_DATES_AHEAD.fetch(client_id=client.pk, now=timezone.now())
    for planned in rows:
        planned.books_on = books_automatically_on(
            clinic=planned.plan.therapist.clinic, on=planned.on
        )
    attach_alternatives([p for p in rows if p.status == PlannedSession.Status.NOT_BOOKED])
    return rows


@transaction.atomic
def report_plan_runs() -> int:
    """One message per client for what her plans booked or could not book since the last one.

    Rows are locked and marked reported in the transaction that writes the notice, so two
    runs at once, or a run repeated, report each date once. Returns how many clients were told.
    """
    rows = list(
        PlannedSession.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            reported_at__isnull=True,
            handled_at__isnull=False,
            status__in=[PlannedSession.Status.BOOKED, PlannedSession.Status.NOT_BOOKED],
        )
        .select_related("plan__client", "booking")
        .order_by("starts_at")
    )
    by_client: dict[int, list[PlannedSession]] = defaultdict(list)
    for row in rows:
        by_client[row.plan.client_id].append(row)
    PlannedSession.objects.filter(pk__in=[row.pk for row in rows]).update(
        reported_at=timezone.now()
    )
    for client_rows in by_client.values():
        notify_plan_run(
            client=client_rows[0].plan.client,
            booked=[r.booking for r in client_rows if r.booking_id],
            missed=[r for r in client_rows if r.status == PlannedSession.Status.NOT_BOOKED],
        )
    return len(by_client)
