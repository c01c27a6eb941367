"""Laying out, blocking and unblocking appointment slots."""

import bisect
import datetime as dt
import logging
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from booking import signals
from booking.models import Booking, Slot
from booking.services import rolling_plans
from booking.services.bookings import cancel_booking
from booking.services.locking import short_lock_wait
from clinics.models import Therapist, TimeOff, WorkingHours
from common.errors import DomainError

logger = logging.getLogger(__name__)

# Longest range one request may lay out: a year keeps a single transaction short.
MAX_GENERATE_DAYS = 366


class ScheduleError(DomainError):
    """Base class: ``str(error)`` is a sentence the clinic admin can read."""

    default_message = "That change to the schedule could not be made."


class InvalidRange(ScheduleError):
    default_message = "Please choose an end date on or after the start date."


class ReasonRequired(ScheduleError):
    default_message = "Please say why these times are blocked."


class ScheduleBusy(ScheduleError):
    default_message = (
        "Someone else is changing these times right now, so nothing was changed. "
        "Please try again in a moment."
    )


class NothingToBlock(ScheduleError):
    default_message = "There are no upcoming slots there to block."


class HoursOverlap(ScheduleError):
    default_message = "These hours overlap hours she already has."


class TimeOffOverlap(ScheduleError):
    default_message = "She already has time off on some of these days."


def _lock_therapist(therapist: Therapist) -> None:
    """Serialise changes to one therapist's hours and days off, so two identical forms
    submitted at once check for overlaps one after the other (the database refuses
    overlaps too, on PostgreSQL)."""
    Therapist.objects.select_for_update().filter(pk=therapist.pk).exists()


def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def _local_starts(
    *,
    start: dt.date,
    end: dt.date,
    hours: list[WorkingHours],
    time_off: list[TimeOff],
    session: dt.timedelta,
    step: dt.timedelta,
) -> Iterator[dt.datetime]:
    """Naive wall-clock start times, so 10:00 stays 10:00 whatever the UTC offset."""
    for day in _days(start, end):
        if any(off.covers(day) for off in time_off):
            continue
        # Time off for part of the day (an afternoon, a two-hour appointment) removes the
        # sessions it touches; the rest of the day keeps its usual times.
        partly_off = [off for off in time_off if not off.is_whole_days]
        for stretch in hours:
            if not stretch.applies_on(day):
                continue
            moment = dt.datetime.combine(day, stretch.starts_at)
            closing = dt.datetime.combine(day, stretch.ends_at)
            while moment + session <= closing:
                if not any(off.overlaps(moment, moment + session) for off in partly_off):
                    yield moment
                moment += step


def _to_utc(local: dt.datetime, tz) -> dt.datetime | None:
    """The UTC instant of a wall-clock time, or None when the clock skips it (spring forward).

    An ambiguous time (the repeated hour in autumn) takes its first occurrence (fold=0).
    """
    aware = local.replace(tzinfo=tz, fold=0)
    instant = aware.astimezone(dt.UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local:
        return None
    return instant


class _Timeline:
    """Non-overlapping half-open intervals, sorted, for cheap overlap checks."""

    def __init__(self, intervals: Iterable[tuple[dt.datetime, dt.datetime]]):
        ordered = sorted(intervals)
        self.starts = [s for s, _ in ordered]
        self.ends = [e for _, e in ordered]

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        index = bisect.bisect_left(self.starts, start)
        if index > 0 and self.ends[index - 1] > start:
            return True
        return index < len(self.starts) and self.starts[index] < end

    def add(self, start: dt.datetime, end: dt.datetime) -> None:
        index = bisect.bisect_left(self.starts, start)
        self.starts.insert(index, start)
        self.ends.insert(index, end)


def _planned_starts(*, therapist: Therapist, start: dt.date, end: dt.date) -> Iterator[dt.datetime]:
    """UTC starts her working hours, time off and the clinic's policy call for; future only."""
    clinic = therapist.clinic
    session = dt.timedelta(minutes=clinic.session_minutes)
    step = session + dt.timedelta(minutes=clinic.turnover_minutes)
    hours = list(therapist.working_hours.all())
    time_off = list(therapist.time_off.filter(starts_on__lte=end, ends_on__gte=start))
    now = timezone.now()
    for local in _local_starts(
        start=start, end=end, hours=hours, time_off=time_off, session=session, step=step
    ):
        starts_at = _to_utc(local, clinic.tz)
        if starts_at is not None and starts_at > now:
            yield starts_at


@transaction.atomic
def generate_slots(*, therapist: Therapist, start: dt.date, end: dt.date) -> list[Slot]:
    """Lay session-length slots inside working hours from ``start`` to ``end`` (inclusive).

    Dates are the clinic's local dates. Slots follow each stretch of working hours with the
    clinic's turnover gap between them, skip time off and times already past, and never
    overlap a slot that exists: running it again creates nothing, and existing slots
    (booked, blocked or open) are never moved or deleted. Returns the slots it created.
    """
    if end < start:
        raise InvalidRange()
    if (end - start).days >= MAX_GENERATE_DAYS:
        raise InvalidRange("Please lay out at most a year of slots at a time.")
    # Locking the therapist serialises generation for her (the hourly task and an admin's
    # click), so two runs cannot both decide the same hour is free.
    therapist = Therapist.objects.select_for_update().select_related("clinic").get(pk=therapist.pk)
    if not therapist.is_active:
        return []
    session = dt.timedelta(minutes=therapist.clinic.session_minutes)
    # A day either side: a slot of the first or last day may overlap a neighbouring one.
    window_start, window_end = therapist.clinic.day_bounds(
        start - dt.timedelta(days=1), end + dt.timedelta(days=1)
    )
    timeline = _Timeline(
        therapist.slots.filter(starts_at__lt=window_end, ends_at__gt=window_start).values_list(
            "starts_at", "ends_at"
        )
    )
    new_slots = []
    for starts_at in _planned_starts(therapist=therapist, start=start, end=end):
        # A session lasts its length in real time, even across a clock change.
        ends_at = starts_at + session
        if timeline.overlaps(starts_at, ends_at):
            continue
        timeline.add(starts_at, ends_at)
        new_slots.append(Slot(therapist=therapist, starts_at=starts_at, ends_at=ends_at))
    created = Slot.objects.bulk_create(new_slots, batch_size=500)
    if created:
        signals.slots_freed.send(sender=Slot, slot_ids=[slot.pk for slot in created])
    return created


@short_lock_wait(ScheduleBusy)
def block_slots(*, slots: Iterable[Slot], reason: str, by_user: User) -> list[Booking]:
    """Block ``slots`` with ``reason`` and cancel the sessions booked in them.

    Each cancelled client is told by e-mail (with a link to rebook): ``cancel_booking``
    writes the notice in this transaction and a worker sends it, so the request never waits
    on the mail server.
    Returns the cancelled bookings. Either every slot is blocked and every booking
    cancelled, or nothing changes.
    """
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    slot_ids = [slot.pk for slot in slots]
    # Locked in a fixed order so two admins blocking overlapping ranges cannot deadlock,
    # and so a client booking one of these slots right now waits for us. Times already
    # past are left alone: a session that happened is not cancelled afterwards.
    locked_ids = list(
        Slot.objects.select_for_update()
        .filter(pk__in=slot_ids, starts_at__gt=timezone.now())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not locked_ids:
        raise NothingToBlock()
    # Locked too: a client cancelling one of them right now finishes first, and her
    # cancelled session then drops out here instead of failing the whole block.
    bookings = (
        Booking.objects.select_for_update(of=("self",))
        .filter(slot_id__in=locked_ids, status=Booking.Status.BOOKED)
        .select_related("client", "slot__therapist__clinic")
        .order_by("pk")
    )
    cancelled = [
        cancel_booking(
            booking=booking,
            by=Booking.CancelledBy.CLINIC,
            reason=reason,
            enforce_notice=False,
        )
        for booking in bookings
    ]
    Slot.objects.filter(pk__in=locked_ids).update(
        status=Slot.Status.BLOCKED, block_reason=reason[:200], updated_at=timezone.now()
    )
    logger.info(
        "User %s blocked %d slots and cancelled %d bookings",
        by_user.pk,
        len(locked_ids),
        len(cancelled),
    )
    return cancelled


@transaction.atomic
def unblock_slots(*, slots: Iterable[Slot]) -> int:
    """Open blocked ``slots`` again; returns how many were reopened."""
    reopened = list(
        Slot.objects.select_for_update()
        .filter(pk__in=[slot.pk for slot in slots], status=Slot.Status.BLOCKED)
        .values_list("pk", flat=True)
    )
    Slot.objects.filter(pk__in=reopened).update(
        status=Slot.Status.OPEN, block_reason="", updated_at=timezone.now()
    )
    if reopened:
        signals.slots_freed.send(sender=Slot, slot_ids=reopened)
    return len(reopened)


def horizon_end(*, therapist: Therapist, today: dt.date) -> dt.date:
    return today + dt.timedelta(weeks=therapist.clinic.booking_horizon_weeks)


def ensure_slots_for_horizon() -> int:
    """Keep every active therapist's slots laid out up to her clinic's booking horizon.

    Each therapist is laid out in her own transaction, which also books her plans' dates the
    horizon has reached (plan holders first: nobody sees the new slots before they do); a
    failure for one is logged and does not stop the others. Then each client whose plans did
    something gets one message. Returns how many slots were created.
    """
    created = 0
    for therapist in Therapist.objects.active().select_related("clinic"):
        today = therapist.clinic.today()
        try:
            with transaction.atomic():
                created += len(
                    generate_slots(
                        therapist=therapist,
                        start=today,
                        end=horizon_end(therapist=therapist, today=today),
                    )
                )
                rolling_plans.book_due_planned_sessions(therapist=therapist)
        except Exception:
            logger.exception("Could not lay out slots for therapist %s", therapist.pk)
    rolling_plans.settle_plans_of_inactive_therapists()
    rolling_plans.report_plan_runs()
    return created


@transaction.atomic
def deactivate_therapist(*, therapist: Therapist) -> int:
    """Stop offering a therapist: she gets no new slots and her never-booked future slots go.

    Slots that ever had a booking stay, so history and any session still booked remain;
    the clinic blocks those to cancel them. Returns how many slots were removed.
    """
    Therapist.objects.filter(pk=therapist.pk).update(is_active=False, updated_at=timezone.now())
    therapist.is_active = False
    return _delete_never_booked(
        Slot.objects.filter(therapist=therapist, starts_at__gt=timezone.now())
    )


@transaction.atomic
def reactivate_therapist(*, therapist: Therapist) -> list[Slot]:
    """Offer a therapist again and lay out her slots up to the booking horizon."""
    Therapist.objects.filter(pk=therapist.pk).update(is_active=True, updated_at=timezone.now())
    therapist.is_active = True
    today = therapist.clinic.today()
    return generate_slots(
        therapist=therapist, start=today, end=horizon_end(therapist=therapist, today=today)
    )


def _delete_never_booked(slots: QuerySet[Slot]) -> int:
    """Delete those of ``slots`` that were never booked; returns how many.

    The rows are locked first (a client booking one of them holds its lock until she
    commits) and checked again afterwards, so a booking made meanwhile keeps its slot.
    """
    locked = list(slots.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    removed, _ = Slot.objects.filter(pk__in=locked, bookings__isnull=True).delete()
    return removed


def _unused_future_slots(therapist: Therapist) -> QuerySet[Slot]:
    """Open future slots that never had a booking: safe to remove."""
    return Slot.objects.filter(
        therapist=therapist,
        status=Slot.Status.OPEN,
        starts_at__gt=timezone.now(),
        bookings__isnull=True,
    )


@transaction.atomic
def relayout_slots(
    *, therapist: Therapist, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[int, int]:
    """Bring her future slots in line with her hours, time off and the clinic's policy.

    Open slots that were never booked and no longer fit (a changed stretch of hours, a new
    session length or gap) are removed and the days laid out again; booked, blocked and
    once-booked slots stay where they are. ``start``/``end`` are clinic-local dates; by
    default from today to the booking horizon (or her last open slot, if later).
    Returns (removed, created).
    """
    therapist = Therapist.objects.select_for_update().select_related("clinic").get(pk=therapist.pk)
    clinic = therapist.clinic
    today = clinic.today()
    start = max(start or today, today)
    generate_until = end or horizon_end(therapist=therapist, today=today)
    if end is None:
        end = generate_until
        last = _unused_future_slots(therapist).order_by("-starts_at").first()
        if last is not None:
            end = max(end, clinic.local_date(last.starts_at))
    if end < start:
        raise InvalidRange()
    planned = (
        set(_planned_starts(therapist=therapist, start=start, end=end))
        if therapist.is_active
        else set()
    )
    session = dt.timedelta(minutes=therapist.clinic.session_minutes)
    begins, ends = clinic.day_bounds(start, end)
    candidates = _unused_future_slots(therapist).filter(starts_at__gte=begins, starts_at__lt=ends)
    stale = [
        pk
        for pk, starts_at, ends_at in candidates.values_list("pk", "starts_at", "ends_at")
        if starts_at not in planned or ends_at - starts_at != session
    ]
    removed = _delete_never_booked(_unused_future_slots(therapist).filter(pk__in=stale))
    if generate_until < start:
        return removed, 0
    created = generate_slots(therapist=therapist, start=start, end=generate_until)
    return removed, len(created)


def slots_in_time_off(slots: QuerySet[Slot], time_off: TimeOff) -> QuerySet[Slot]:
    """The slots that start or run inside a stretch of time off (whole days or hours)."""
    begins, ends = time_off.instants(time_off.therapist.clinic.tz)
    return slots.filter(therapist=time_off.therapist, starts_at__lt=ends, ends_at__gt=begins)


@transaction.atomic
def add_time_off(
    *,
    therapist: Therapist,
    starts_on: dt.date,
    ends_on: dt.date,
    reason: str = "",
    from_time: dt.time | None = None,
    until_time: dt.time | None = None,
) -> TimeOff:
    """Record time off (whole days, or from ``from_time`` on the first day until
    ``until_time`` on the last) and withdraw her never-booked open slots inside it.

    Sessions already booked inside it stay booked, for whole days and hours alike: the clinic
    decides, on the schedule, whether to block (and so cancel) them.
    """
    time_off = TimeOff(
        therapist=therapist,
        starts_on=starts_on,
        ends_on=ends_on,
        from_time=from_time,
        until_time=until_time,
        reason=reason,
    )
    begins, ends = time_off.local_bounds()
    if ends <= begins:
        raise InvalidRange("Please choose an end after the start.")
    _lock_therapist(therapist)
    clash = next(
        (
            other
            for other in therapist.time_off.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
            if other.overlaps(begins, ends)
        ),
        None,
    )
    if clash is not None:
        raise TimeOffOverlap(
            f"She already has time off from {clash.starts_on:%-d %B %Y} to "
            f"{clash.ends_on:%-d %B %Y} at those times. Remove that first, or choose other "
            "days or hours."
        )
    time_off.save()
    _delete_never_booked(slots_in_time_off(_unused_future_slots(therapist), time_off))
    return time_off


@transaction.atomic
def remove_time_off(*, time_off: TimeOff) -> list[Slot]:
    """Delete a stretch of time off and lay out slots on those days again."""
    therapist = time_off.therapist
    starts_on, ends_on = time_off.starts_on, time_off.ends_on
    time_off.delete()
    today = therapist.clinic.today()
    end = min(ends_on, horizon_end(therapist=therapist, today=today))
    start = max(starts_on, today)
    if end < start:
        return []
    return generate_slots(therapist=therapist, start=start, end=end)


@transaction.atomic
def add_working_hours(*, hours: WorkingHours) -> int:
    """Save a new stretch of her hours and lay out the slots it opens, all or nothing.

    Returns how many slots were created.
    """
    _lock_therapist(hours.therapist)
    clash = hours.overlapping().first()
    if clash is not None:
        raise HoursOverlap(f"These hours overlap {clash}.")
    hours.save()
    _, created = relayout_slots(therapist=hours.therapist)
    return created


@transaction.atomic
def change_working_hours(*, hours: WorkingHours, starts_at: dt.time, ends_at: dt.time) -> int:
    """Move a stretch of her hours (e.g. Monday 09:00–13:00 to 10:00–14:00) and lay her slots
    out again, all or nothing: open slots that no longer fit go, new ones come; booked and
    blocked slots stay. Returns how many slots were created."""
    _lock_therapist(hours.therapist)
    hours.starts_at, hours.ends_at = starts_at, ends_at
    clash = hours.overlapping().first()
    if clash is not None:
        raise HoursOverlap(f"These hours overlap {clash}.")
    hours.save(update_fields=["starts_at", "ends_at"])
    _, created = relayout_slots(therapist=hours.therapist)
    return created


@transaction.atomic
def remove_working_hours(*, hours: WorkingHours) -> int:
    """Remove a stretch of her hours and withdraw the open slots it held, all or nothing.

    Booked sessions stay. Returns how many open slots were withdrawn.
    """
    therapist = hours.therapist
    hours.delete()
    removed, _ = relayout_slots(therapist=therapist)
    return removed
