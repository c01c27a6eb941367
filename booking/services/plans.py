"""Weekly plans: once or twice a week with one therapist, up to her due date.

What happens when someone takes one of her dates between preview and booking: the plan is
all or nothing for the dates she accepted. If any accepted date can no longer be booked,
nothing is booked and ``PlanChanged`` carries the fresh preview, so she never ends up with a
plan that is missing a date she thought she had. Dates she did not accept (taken without an
alternative, not bookable for safety) are reported, date by date, as not booked.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from booking.models import Booking, Plan, PlannedSession, Slot, held_for_plans
from booking.services.bookings import (
    CHANGE_GRACE,
    HELD_FOR_A_PLAN,
    audit_for_client,
    booking_opens_until,
    can_change_online,
    check_no_block,
    check_no_show_policy,
    check_notice,
    check_safety_findings,
    check_slot_open,
    check_staff_may_act,
    ensure_ready_to_book,
    her_answers,
    lock_booking,
    mark_cancelled,
    same_day_session,
    stopping_blocks,
)
from booking.services.errors import (
    BookingError,
    Busy,
    OverlappingBooking,
    PlanChanged,
    PlanError,
    SlotUnavailable,
)
from booking.services.flags import flag_new_sessions
from booking.services.locking import short_lock_wait
from booking.services.notices import notify_booked, notify_cancelled
from booking.services.reminders import refresh_plan_end_reminder, schedule_new_sessions_reminders
from clinics.models import Clinic, Therapist
from safety import services as safety_services
from safety.models import AuditEntry

MAX_SESSIONS_PER_WEEK = 2
# Two sessions of one week need a rest day between them (Mon+Wed, never Mon+Tue). This is
# the safer reading of "at least a day apart"; it also holds across a week's end (Sun+Mon).
MIN_DAYS_BETWEEN_SESSIONS = 2

# What a date of the plan preview is, each shown with its own word and colour.
FREE = "free"
TAKEN = "taken"  # someone else booked that time
OFF = "off"  # the therapist doesn't work then (time off, a blocked or missing slot)
NOT_OPEN = "not_open"  # beyond the clinic's booking horizon: it opens later
# A plan's date beyond the horizon is not open yet: it is held as a planned session and the
# hourly layout books it for her when it opens, so "later" and "not open yet" are one status.
LATER = NOT_OPEN
SAFETY = "safety"  # a `block` rule stops the session on that date
YOURS = "yours"  # she already has a session at that time
TOO_SOON = "too_soon"  # inside the clinic's minimum notice to book
STATUS_WORDS = {
    FREE: "Free",
    TAKEN: "Taken",
    OFF: "Therapist off",
    NOT_OPEN: "Not open yet",
    SAFETY: "Safety: not bookable",
    YOURS: "You're already booked",
    TOO_SOON: "Too soon to book",
}


@dataclass
class PlannedDate:
    """One date of a plan as she will see it before booking."""

    on: dt.date
    starts_at: dt.datetime
    status: str
    slot: Slot | None = None
    alternative: Slot | None = None
    reason: str = ""
    findings: list = field(default_factory=list)
    books_on: dt.date | None = None
    # Free dates start ticked, except those she could not change online once booked.
    pre_ticked: bool = True

    @property
    def is_free(self) -> bool:
        return self.status == FREE

    @property
    def is_later(self) -> bool:
        return self.status == LATER

    @property
    def words(self) -> str:
        return STATUS_WORDS[self.status]


@dataclass
class PlanPreview:
    therapist: Therapist
    weekdays: list[int]
    local_time: dt.time
    starts_on: dt.date
    ends_on: dt.date
    due_date: dt.date
    dates: list[PlannedDate]
    # Her answers as the preview read them: booking it evaluates each date from these.
    answers: safety_services.HerAnswers | None = None

    @property
    def free_count(self) -> int:
        return sum(1 for planned in self.dates if planned.is_free)

    @property
    def later(self) -> list[PlannedDate]:
        return [planned for planned in self.dates if planned.is_later]

    @property
    def can_tick(self) -> bool:
        """A date she can book: free, or with a free time that week instead."""
        return any(planned.is_free or planned.alternative for planned in self.dates)

    @property
    def safety_reasons(self) -> list[str]:
        """Each distinct safety reason once, in date order (said once, not on every date)."""
        return list(dict.fromkeys(p.reason for p in self.dates if p.status == SAFETY))


@dataclass
class PlanResult:
    plan: Plan
    booked: list[Booking]
    not_booked: list[PlannedDate]


def staff_of(booked_by: User | None, client: User) -> User | None:
    """The staff member acting for her, or None when she acts herself."""
    return booked_by if booked_by is not None and booked_by.pk != client.pk else None


def weekday_gap(first: int, second: int) -> int:
    gap = abs(first - second)
    return min(gap, 7 - gap)


def validate_weekdays(weekdays: Iterable[int]) -> list[int]:
    days = sorted(set(weekdays))
    if not days:
        raise PlanError("Choose one or two days of the week.")
    if len(days) > MAX_SESSIONS_PER_WEEK:
        raise PlanError("A plan has at most two sessions a week.")
    if any(day not in range(7) for day in days):
        raise PlanError("Choose days from Monday to Sunday.")
    if len(days) == 2 and weekday_gap(*days) < MIN_DAYS_BETWEEN_SESSIONS:
        raise PlanError("Two sessions a week need at least one day of rest between them.")
    return days


def due_date_of(client: User) -> dt.date:
    profile = getattr(client, "pregnancy_profile", None)
    if profile is None:
        ensure_ready_to_book(client)
        raise PlanError("Please tell us your due date first.")
    return profile.due_date


# A postnatal plan left without an end runs this long; she can extend it any time.
POSTNATAL_PLAN_DEFAULT = dt.timedelta(weeks=12)


@dataclass(frozen=True)
class PlanLimit:
    """The dates a plan of hers may cover: to the due date, or up to 52 weeks after the birth."""

    last_day: dt.date
    postnatal: bool

    def default_end(self, starts_on: dt.date) -> dt.date:
        if not self.postnatal:
            return self.last_day
        return min(starts_on + POSTNATAL_PLAN_DEFAULT, self.last_day)

    @property
    def limit_words(self) -> str:
        if self.postnatal:
            return f"52 weeks after the birth ({self.last_day:%-d %B %Y})"
        return f"your due date ({self.last_day:%-d %B %Y})"


def plan_limit(client: User) -> PlanLimit:
    due_date = due_date_of(client)
    birth_date = client.pregnancy_profile.birth_date
    if birth_date is None:
        return PlanLimit(last_day=due_date, postnatal=False)
    return PlanLimit(last_day=birth_date + safety_services.POSTNATAL_BOOKING_LIMIT, postnatal=True)


def plan_dates(weekdays: list[int], starts_on: dt.date, ends_on: dt.date) -> list[dt.date]:
    dates = []
    day = starts_on
    while day <= ends_on:
        if day.weekday() in weekdays:
            dates.append(day)
        day += dt.timedelta(days=1)
    return dates


def validate_range(
    *, starts_on: dt.date, ends_on: dt.date | None, limit: PlanLimit, today: dt.date
) -> dt.date:
    ends_on = ends_on or limit.default_end(starts_on)
    if starts_on < today:
        raise PlanError("A plan can't start in the past.")
    if ends_on > limit.last_day:
        raise PlanError(f"A plan can't run past {limit.limit_words}.")
    if ends_on < starts_on:
        raise PlanError("The end date must be on or after the start date.")
    return ends_on


def check_spacing(days: list[dt.date]) -> None:
    """At most two sessions per week, each two at least a rest day apart."""
    days = sorted(days)
    for earlier, later in zip(days, days[1:], strict=False):
        if (later - earlier).days < MIN_DAYS_BETWEEN_SESSIONS:
            raise PlanError("Two sessions need at least one day of rest between them.")
    per_week: dict[tuple[int, int], int] = {}
    for day in days:
        week = day.isocalendar()[:2]
        per_week[week] = per_week.get(week, 0) + 1
        if per_week[week] > MAX_SESSIONS_PER_WEEK:
            raise PlanError("A plan has at most two sessions a week.")


def booked_annotation() -> Exists:
    return Exists(Booking.objects.filter(slot=OuterRef("pk"), status=Booking.Status.BOOKED))


def week_of(day: dt.date) -> tuple[int, int]:
    return tuple(day.isocalendar()[:2])


@dataclass
class PlanWindow:
    """What the preview of a plan knows about its date range, loaded in a fixed number of
    queries: the therapist's slots at the plan's own times, which of them are booked, her own
    sessions, and (``load_alternatives``) the free times in the weeks of dates not free."""

    client: User
    therapist: Therapist
    now: dt.datetime
    opens: dt.datetime
    horizon: dt.datetime
    range_start: dt.datetime
    range_end: dt.datetime
    slots: list[Slot]
    booked_slot_ids: set[int]
    her_sessions: list[tuple[dt.datetime, dt.datetime]]
    # Staff plan it for her: they read the rules' titles; an admin may book against a
    # recorded maternity-team clearance (see ``stopping_blocks``).
    for_staff: bool = False
    may_clear: bool = False
    answers: object = None  # her HerAnswers, read once for every date
    # Her clearances that lift a block for an admin (``may_clear``), read once for every date.
    clearances: list | None = None
    findings_by_day: dict[dt.date, list] = field(default_factory=dict)
    alternatives_by_week: dict[tuple[int, int], list[Slot]] = field(default_factory=dict)
    slot_by_start: dict[dt.datetime, Slot] = field(init=False)
    her_days: set[dt.date] = field(init=False)

    def __post_init__(self):
        self.slot_by_start = {slot.starts_at: slot for slot in self.slots}
        self.her_days = {self.clinic.local_date(start) for start, _ in self.her_sessions}

    @classmethod
    def load(
        cls,
        *,
        client: User,
        therapist: Therapist,
        starts_on: dt.date,
        ends_on: dt.date,
        times: list[dt.datetime],
        for_staff: bool = False,
        may_clear: bool = False,
    ) -> "PlanWindow":
        """``times`` are the plan's dates at its local time: only those slots are read."""
        clinic = therapist.clinic
        range_start, range_end = clinic.day_bounds(starts_on, ends_on)
        now = timezone.now()
        slots = list(
            Slot.objects.filter(therapist=therapist, starts_at__in=times).annotate(
                is_booked=booked_annotation()
            )
        )
        for slot in slots:
            slot.therapist = therapist
        her_sessions = list(
            Booking.objects.filter(
                client=client,
                status=Booking.Status.BOOKED,
                starts_at__lt=range_end,
                ends_at__gt=range_start,
            ).values_list("starts_at", "ends_at")
        )
        return cls(
            client=client,
            therapist=therapist,
            now=now,
            # Staff may book her in sooner than the clinic's notice to book online.
            opens=now if for_staff else booking_opens_until(clinic, now=now),
            horizon=now + dt.timedelta(weeks=clinic.booking_horizon_weeks),
            range_start=range_start,
            range_end=range_end,
            slots=slots,
            booked_slot_ids={slot.pk for slot in slots if slot.is_booked},
            her_sessions=her_sessions,
            for_staff=for_staff,
            may_clear=may_clear,
            answers=her_answers(client),
            clearances=safety_services.phone_booking_clearances(client) if may_clear else None,
        )

    def load_alternatives(self, weeks: set[tuple[int, int]]) -> None:
        """The therapist's open, unbooked future slots in these weeks (within the plan's
        range), in one query however many weeks: where a taken date looks for another time."""
        if not weeks:
            return
        in_weeks = Q()
        for year, week in weeks:
            monday = dt.date.fromisocalendar(year, week, 1)
            begins, ends = self.clinic.day_bounds(monday, monday + dt.timedelta(days=6))
            in_weeks |= Q(
                starts_at__gte=max(begins, self.range_start),
                starts_at__lt=min(ends, self.range_end),
            )
        candidates = (
            Slot.objects.filter(
                in_weeks,
                therapist=self.therapist,
                status=Slot.Status.OPEN,
                starts_at__gt=self.now,
            )
            .exclude(booked_annotation())
            .order_by("starts_at")
        )
        for slot in candidates:
            slot.therapist = self.therapist
            week = week_of(self.clinic.local_date(slot.starts_at))
            self.alternatives_by_week.setdefault(week, []).append(slot)

    @property
    def clinic(self):
        return self.therapist.clinic

    @property
    def locked_before(self) -> dt.datetime:
        """Sessions before then could not be changed online once booked."""
        return self.now + dt.timedelta(hours=self.clinic.cancellation_notice_hours)

    def overlaps_hers(self, slot: Slot) -> bool:
        """At that time, or on a day she already has a session (one massage a day)."""
        return self.clinic.local_date(slot.starts_at) in self.her_days or any(
            start < slot.ends_at and end > slot.starts_at for start, end in self.her_sessions
        )

    def is_free(self, slot: Slot) -> bool:
        return (
            slot.status == Slot.Status.OPEN
            and self.therapist.is_active
            and self.opens <= slot.starts_at <= self.horizon
            and slot.starts_at > self.now
            and slot.pk not in self.booked_slot_ids
            and not self.overlaps_hers(slot)
        )

    def blocks_on(self, day: dt.date) -> list:
        """The safety findings that stop a session on ``day``; each day evaluated once."""
        if day not in self.findings_by_day:
            findings = check_safety_findings(
                client=self.client, clinic=self.clinic, on=day, answers=self.answers
            )
            self.findings_by_day[day] = stopping_blocks(
                findings,
                client=self.client,
                on=day,
                may_clear=self.may_clear,
                clearances=self.clearances,
            )
        return self.findings_by_day[day]

    def alternative_in_week(
        self, *, day: dt.date, starts_at: dt.datetime, other_days: set[dt.date], used: set[int]
    ) -> Slot | None:
        """The free time nearest ``starts_at`` in the same week, a rest day away from her other
        plan dates, not offered for another date already and not stopped by a safety rule."""
        candidates = [
            candidate
            for candidate in self.alternatives_by_week.get(week_of(day), [])
            if self.is_free(candidate)
            and candidate.pk not in used
            and (candidate_day := self.clinic.local_date(candidate.starts_at))
            and all(
                abs((candidate_day - other).days) >= MIN_DAYS_BETWEEN_SESSIONS
                for other in other_days
            )
        ]
        candidates.sort(key=lambda candidate: abs(candidate.starts_at - starts_at))
        return next(
            (
                candidate
                for candidate in candidates
                if not self.blocks_on(self.clinic.local_date(candidate.starts_at))
            ),
            None,
        )


def plan_date(window: PlanWindow, *, day: dt.date, starts_at: dt.datetime) -> PlannedDate:
    """One date of the plan: free, not bookable (safety, her own session that day, too soon),
    not open yet (past the horizon: booked for her when it opens) or taken or off (for which
    ``offer_alternatives`` then looks for the nearest free time that week)."""
    clinic = window.clinic
    planned = PlannedDate(on=day, starts_at=starts_at, status=FREE)
    blocks = window.blocks_on(day)
    if blocks:
        planned.status = SAFETY
        planned.findings = blocks
        planned.reason = " ".join(
            f"{b.title}." if window.for_staff else b.client_message or f"{b.title}." for b in blocks
        )
        return planned
    slot = window.slot_by_start.get(starts_at)
    if slot is not None and window.is_free(slot):
        planned.slot = slot
        # Dates she could not change online once booked are there to tick, not ticked for her.
        # Staff are not bound by the notice, so for them every free date starts ticked.
        planned.pre_ticked = window.for_staff or slot.starts_at >= window.locked_before
        return planned
    if slot is not None and window.overlaps_hers(slot):
        planned.status = YOURS
        planned.reason = "You already have a session that day."
        return planned
    if starts_at < window.opens:
        planned.status = TOO_SOON
        planned.reason = (
            f"{clinic.name} takes bookings at least {clinic.booking_notice_hours} hours ahead."
        )
        return planned
    if starts_at > window.horizon:
        planned.status = LATER
        planned.books_on = books_automatically_on(clinic=clinic, on=day)
        planned.reason = (
            f"Bookings open {clinic.booking_horizon_weeks} weeks ahead: this date opens on "
            f"{planned.books_on:%-d %B} and your plan books it automatically then."
        )
        return planned
    if slot is not None and slot.pk in window.booked_slot_ids:
        planned.status = TAKEN
        planned.reason = "Already booked by someone else."
    else:
        planned.status = OFF
        planned.reason = f"{window.therapist.display_name} isn't working at that time."
    return planned


def offer_alternatives(window: PlanWindow, dates: list[PlannedDate]) -> None:
    """For each taken or off date, in date order, the nearest free time that week not
    offered for an earlier date; the candidates of all those weeks read in one query."""
    wanting = [planned for planned in dates if planned.status in (TAKEN, OFF)]
    window.load_alternatives({week_of(planned.on) for planned in wanting})
    plan_days = {planned.on for planned in dates}
    used: set[int] = set()
    for planned in wanting:
        planned.alternative = window.alternative_in_week(
            day=planned.on,
            starts_at=planned.starts_at,
            other_days=plan_days - {planned.on},
            used=used,
        )
        if planned.alternative is not None:
            used.add(planned.alternative.pk)


def preview_plan(
    *,
    client: User,
    therapist: Therapist,
    weekdays: Iterable[int],
    local_time: dt.time,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    booked_by: User | None = None,
) -> PlanPreview:
    """Each date of the plan: free, taken (with the nearest free time that week) or not bookable.

    A fixed number of queries whatever the number of dates; each date's safety is evaluated
    from her answers, read once. ``booked_by`` is the staff member planning it for her (see
    ``book_session``).
    """
    ensure_ready_to_book(client)
    weekdays = validate_weekdays(weekdays)
    clinic = therapist.clinic
    staff = staff_of(booked_by, client)
    may_clear = False
    if staff is not None:
        may_clear = check_staff_may_act(staff=staff, therapist=therapist, client=client)
    else:
        check_no_show_policy(client=client, clinic=clinic)
    limit = plan_limit(client)
    due_date = limit.last_day
    today = therapist.clinic.today()
    ends_on = validate_range(starts_on=starts_on, ends_on=ends_on, limit=limit, today=today)
    times = {
        day: dt.datetime.combine(day, local_time, tzinfo=clinic.tz)
        for day in plan_dates(weekdays, starts_on, ends_on)
    }
    window = PlanWindow.load(
        client=client,
        therapist=therapist,
        starts_on=starts_on,
        ends_on=ends_on,
        times=list(times.values()),
        for_staff=staff is not None,
        may_clear=may_clear,
    )
    dates = [plan_date(window, day=day, starts_at=starts_at) for day, starts_at in times.items()]
    offer_alternatives(window, dates)
    return PlanPreview(
        therapist=therapist,
        weekdays=weekdays,
        local_time=local_time,
        starts_on=starts_on,
        ends_on=ends_on,
        due_date=due_date,
        dates=dates,
        answers=window.answers,
    )


@short_lock_wait(Busy)
def book_plan(
    *,
    client: User,
    therapist: Therapist,
    weekdays: Iterable[int],
    local_time: dt.time,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    accepted_slot_ids: Iterable[int] | None = None,
    booked_by: User | None = None,
) -> PlanResult:
    """Book the plan's accepted dates in one transaction and report date by date.

    ``accepted_slot_ids`` are the times she ticked on the preview (free dates and the
    alternatives she accepted); ``None`` means every date that is free now. If any accepted
    time cannot be booked any more, nothing is booked and ``PlanChanged`` is raised.
    ``booked_by`` is the staff member booking it for her (see ``book_session``).
    """
    preview = preview_plan(
        client=client,
        therapist=therapist,
        weekdays=weekdays,
        local_time=local_time,
        starts_on=starts_on,
        ends_on=ends_on,
        booked_by=booked_by,
    )
    return book_preview(
        client=client, preview=preview, accepted_slot_ids=accepted_slot_ids, booked_by=booked_by
    )


def books_automatically_on(*, clinic, on: dt.date) -> dt.date:
    """The day the hourly layout reaches ``on`` and books it: its horizon's first day."""
    return max(on - dt.timedelta(weeks=clinic.booking_horizon_weeks), clinic.today())


def plan_later_dates(*, plan: Plan, dates: list[PlannedDate]) -> list[PlannedSession]:
    """Hold the plan's dates past the horizon as planned sessions, booked as they open."""
    return PlannedSession.objects.bulk_create(
        PlannedSession(plan=plan, on=planned.on, starts_at=planned.starts_at) for planned in dates
    )


def book_preview(
    *,
    client: User,
    preview: PlanPreview,
    accepted_slot_ids: Iterable[int] | None,
    plan: Plan | None = None,
    booked_by: User | None = None,
) -> PlanResult:
    """Book the accepted dates of ``preview`` into a new plan, or into ``plan`` (extending it).

    Call inside a transaction. Dates past the horizon become the plan's planned sessions.
    ``booked_by`` is the staff member booking it for her (see ``book_session``).

    Its cost does not grow with the number of sessions: her answers come with the preview,
    the slots are locked in one statement, and the checks, bookings, flags and reminders are
    one query each for all of them. What needs no lock (each date's findings, the plan's row)
    is done before the slots are locked, so the locks are held for the checks and the inserts
    alone.
    """
    therapist = preview.therapist
    local_time = preview.local_time
    clinic = therapist.clinic
    staff = staff_of(booked_by, client)
    # preview_plan checked staff's rights above; this only tells whether she may clear.
    may_clear = staff is not None and clinic.admins.filter(pk=staff.pk).exists()
    if accepted_slot_ids is None:
        accepted = {planned.slot.pk for planned in preview.dates if planned.is_free}
    else:
        accepted = set(accepted_slot_ids)
    if not accepted and not preview.later:
        raise PlanError("None of the dates could be booked, so no plan was made.")

    answers = preview.answers or (her_answers(client) if accepted else None)
    clearances = safety_services.phone_booking_clearances(client) if may_clear else None
    findings = SessionFindings(client=client, clinic=clinic, answers=answers)
    findings.evaluate(
        clinic.local_date(slot.starts_at) for slot in offered_slots(preview) if slot.pk in accepted
    )
    if plan is None:
        plan = Plan.objects.create(
            client=client,
            therapist=therapist,
            weekdays=preview.weekdays,
            local_time=local_time,
            starts_on=preview.starts_on,
            ends_on=preview.ends_on,
            booked_by=staff,
        )

    slots = lock_plan_slots(therapist=therapist, slot_ids=accepted, preview=preview)
    range_start, range_end = clinic.day_bounds(preview.starts_on, preview.ends_on)
    if any(not range_start <= slot.starts_at < range_end for slot in slots):
        raise PlanError("Every session of a plan must fall between its start and end dates.")
    check_spacing([clinic.local_date(slot.starts_at) for slot in slots])
    checks = PlanChecks.load(client=client, therapist=therapist, slots=slots)
    failed = []
    for slot in slots:
        try:
            checks.check(slot, for_staff=staff is not None)
            on = clinic.local_date(slot.starts_at)
            check_no_block(
                findings.on(on),
                client=client,
                clinic=clinic,
                on=on,
                for_staff=staff is not None,
                may_clear=may_clear,
                clearances=clearances,
            )
        except BookingError as error:
            failed.append((slot, error))
    if failed:
        # Raising out of the atomic block rolls back the plan row and everything else.
        raise PlanChanged(preview=None, failed=failed)

    booked = create_plan_bookings(client=client, slots=slots, plan=plan, booked_by=staff)
    flag_new_sessions(
        [(booking, findings.on(clinic.local_date(booking.starts_at))) for booking in booked]
    )
    schedule_new_sessions_reminders(booked)
    plan_later_dates(plan=plan, dates=preview.later)
    # Once for the whole plan, after its later dates are held: a plan with dates still to
    # book does not end at its last booked session.
    refresh_plan_end_reminder(plan=plan)
    booked_ids = {booking.slot_id for booking in booked}
    not_booked = [
        planned
        for planned in preview.dates
        if not (planned.slot and planned.slot.pk in booked_ids)
        and not (planned.alternative and planned.alternative.pk in booked_ids)
        and not planned.is_later
    ]
    if staff is not None:
        audit_for_client(
            staff=staff,
            client=client,
            clinic=clinic,
            action=AuditEntry.Action.BOOKED_FOR_CLIENT,
            detail=(
                f"Weekly plan with {therapist.display_name} at {local_time:%H:%M}: "
                f"{len(booked)} sessions booked, {len(preview.later)} planned"
            ),
        )
    notify_booked(booked)
    return PlanResult(plan=plan, booked=booked, not_booked=not_booked)


def offered_slots(preview: PlanPreview) -> list[Slot]:
    """The slots the preview showed her: each free date's and each alternative."""
    return [
        slot
        for planned in preview.dates
        for slot in (planned.slot, planned.alternative)
        if slot is not None
    ]


@dataclass
class SessionFindings:
    """Her findings on each date of a plan, from her answers read once: evaluated before the
    slots are locked, and each date's error kept for the date it belongs to."""

    client: User
    clinic: Clinic
    answers: safety_services.HerAnswers | None
    by_day: dict[dt.date, list | BookingError] = field(default_factory=dict)

    def evaluate(self, days: Iterable[dt.date]) -> None:
        for day in days:
            if day in self.by_day:
                continue
            try:
                self.by_day[day] = check_safety_findings(
                    client=self.client, clinic=self.clinic, on=day, answers=self.answers
                )
            except BookingError as error:
                self.by_day[day] = error

    def on(self, day: dt.date) -> list:
        """The findings on ``day``; raises the error evaluating them gave (a date before the
        pregnancy began, past the postnatal year)."""
        self.evaluate([day])
        outcome = self.by_day[day]
        if isinstance(outcome, BookingError):
            raise outcome
        return outcome


def lock_plan_slots(
    *, therapist: Therapist, slot_ids: set[int], preview: PlanPreview
) -> list[Slot]:
    """Lock the accepted slots in one statement, in primary-key order so two overlapping plans
    never deadlock each other; in date order, or ``PlanChanged`` if one is gone or not hers."""
    slots = list(Slot.objects.select_for_update().filter(pk__in=slot_ids).order_by("pk"))
    if len(slots) != len(slot_ids) or any(slot.therapist_id != therapist.pk for slot in slots):
        raise PlanChanged(preview=preview)
    for slot in slots:
        slot.therapist = therapist
    return sorted(slots, key=lambda slot: slot.starts_at)


@dataclass
class PlanChecks:
    """What a plan's locked slots are checked against, read in a fixed number of queries:
    which are booked, which times are held for other plans, and her own sessions around
    them. Read after the locks are taken, so a booking committed while we waited is seen."""

    clinic: Clinic
    booked_slot_ids: set[int]
    held_times: set[dt.datetime]
    her_sessions: list[tuple[dt.datetime, dt.datetime]]
    now: dt.datetime

    @classmethod
    def load(cls, *, client: User, therapist: Therapist, slots: list[Slot]) -> "PlanChecks":
        clinic = therapist.clinic
        if not slots:
            return cls(clinic, set(), set(), [], timezone.now())
        first_day = clinic.local_date(slots[0].starts_at)
        last_day = clinic.local_date(slots[-1].starts_at)
        days_start, days_end = clinic.day_bounds(first_day, last_day)
        # Her sessions that overlap a slot or start on a slot's day.
        since = min(days_start, slots[0].starts_at)
        until = max(days_end, max(slot.ends_at for slot in slots))
        return cls(
            clinic=clinic,
            booked_slot_ids=set(
                Booking.objects.filter(slot__in=slots, status=Booking.Status.BOOKED).values_list(
                    "slot_id", flat=True
                )
            ),
            held_times=set(
                held_for_plans()
                .filter(plan__therapist=therapist, starts_at__in=[s.starts_at for s in slots])
                .values_list("starts_at", flat=True)
            ),
            her_sessions=list(
                Booking.objects.filter(
                    client=client,
                    status=Booking.Status.BOOKED,
                    starts_at__lt=until,
                    ends_at__gt=since,
                ).values_list("starts_at", "ends_at")
            ),
            now=timezone.now(),
        )

    def check(self, slot: Slot, *, for_staff: bool) -> None:
        """``check_slot_bookable``, ``check_no_overlap`` and ``check_one_session_a_day`` for one
        slot, from what was read for all of them."""
        check_slot_open(slot, for_staff=for_staff, now=self.now)
        if slot.pk in self.booked_slot_ids:
            raise SlotUnavailable()
        if slot.starts_at in self.held_times:
            raise SlotUnavailable(HELD_FOR_A_PLAN)
        if any(start < slot.ends_at and end > slot.starts_at for start, end in self.her_sessions):
            raise OverlappingBooking()
        day = self.clinic.local_date(slot.starts_at)
        begins, ends = self.clinic.day_bounds(day)
        if any(begins <= start < ends for start, _ in self.her_sessions):
            raise same_day_session(day)


def create_plan_bookings(
    *, client: User, slots: list[Slot], plan: Plan, booked_by: User | None
) -> list[Booking]:
    """The plan's bookings in one insert; the slots must be locked and checked.

    A constraint refusing one (her own session booked elsewhere at that time meanwhile)
    refuses the plan: nothing of it is kept and she sees the dates afresh.
    """
    change_grace_until = timezone.now() + CHANGE_GRACE
    try:
        return Booking.objects.bulk_create(
            Booking(
                client=client,
                slot=slot,
                plan=plan,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                booked_by=booked_by,
                change_grace_until=change_grace_until,
            )
            for slot in slots
        )
    except IntegrityError as error:
        raise PlanChanged(preview=None) from error


@dataclass
class PlanCancellation:
    cancelled: list[Booking]
    too_late: list[Booking]


@short_lock_wait(Busy)
def cancel_plan(
    *, plan: Plan, by: str = Booking.CancelledBy.CLIENT, cancelled_by: User | None = None
) -> PlanCancellation:
    """Cancel the rest of a plan: every upcoming session outside the clinic's notice period.

    Sessions inside the notice period stay booked and are returned in ``too_late``; she is
    told to call the clinic about those. ``cancelled_by`` is the staff member cancelling it
    for her: staff cancel those too, and her own late ones count as cancelled late.
    """
    plan = Plan.objects.select_for_update().select_related("therapist__clinic").get(pk=plan.pk)
    if cancelled_by is not None:
        check_staff_may_act(staff=cancelled_by, therapist=plan.therapist, client=plan.client)
    upcoming_ids = list(
        plan.bookings.filter(status=Booking.Status.BOOKED, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )
    cancelled, too_late = [], []
    for booking_id in upcoming_ids:
        booking = lock_booking(booking_id)
        if not booking.is_active:
            # Cancelled meanwhile (the clinic blocked its time): keep who did it and why.
            continue
        late_by = None
        if cancelled_by is not None:
            if by == Booking.CancelledBy.CLIENT and not can_change_online(booking):
                late_by = cancelled_by
        else:
            try:
                check_notice(booking)
            except BookingError:
                too_late.append(booking)
                continue
        cancelled.append(
            mark_cancelled(booking=booking, by=by, reason="Plan cancelled", late_by=late_by)
        )
    plan.planned_sessions.filter(status=PlannedSession.Status.PLANNED).update(
        status=PlannedSession.Status.CANCELLED, handled_at=timezone.now()
    )
    if cancelled_by is not None:
        audit_for_client(
            staff=cancelled_by,
            client=plan.client,
            clinic=plan.therapist.clinic,
            action=AuditEntry.Action.CANCELLED_FOR_CLIENT,
            detail=f"Weekly plan with {plan.therapist.display_name}: {len(cancelled)} sessions",
        )
    if not too_late:
        plan.status = Plan.Status.CANCELLED
        plan.cancelled_at = timezone.now()
        plan.save(update_fields=["status", "cancelled_at"])
    if cancelled:
        notify_cancelled(cancelled, by=by)
    return PlanCancellation(cancelled=cancelled, too_late=too_late)
