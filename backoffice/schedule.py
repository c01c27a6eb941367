"""Read queries for the schedule: a clinic's week at a glance, slot by slot."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Window
from django.utils import timezone

from backoffice.today import open_flags_of, uncovered_clearance_flags
from booking.models import Booking, Slot
from clinics.models import Clinic, Therapist
from safety.models import Severity


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def slots_between(*, clinic: Clinic, first: dt.date, last: dt.date) -> QuerySet[Slot]:
    """The clinic's slots starting on local dates ``first`` to ``last`` (inclusive)."""
    begins, ends = clinic.day_bounds(first, last)
    return Slot.objects.filter(
        therapist__clinic=clinic, starts_at__gte=begins, starts_at__lt=ends
    ).order_by("starts_at")


def within_hours(
    slots: QuerySet[Slot],
    *,
    clinic: Clinic,
    first: dt.date,
    last: dt.date,
    from_time: dt.time | None,
    until_time: dt.time | None,
) -> QuerySet[Slot]:
    """Of slots on ``first``..``last``, those running after ``from_time`` on the first day and
    before ``until_time`` on the last (each optional: whole days when empty)."""
    if from_time is not None:
        begins = dt.datetime.combine(first, from_time, tzinfo=clinic.tz)
        slots = slots.filter(ends_at__gt=begins)
    if until_time is not None:
        ends = dt.datetime.combine(last, until_time, tzinfo=clinic.tz)
        slots = slots.filter(starts_at__lt=ends)
    return slots


def with_active_booking(slots: QuerySet[Slot]) -> QuerySet[Slot]:
    """Annotate each slot with its active booking's id and the client's first name.

    One LEFT JOIN: a slot has at most one active booking (a unique constraint), so no slot
    is repeated.
    """
    return slots.annotate(
        active_booking=FilteredRelation(
            "bookings", condition=Q(bookings__status=Booking.Status.BOOKED)
        ),
        booking_id=F("active_booking__id"),
        client_first_name=F("active_booking__client__first_name"),
    )


BUTTON_CLASSES = {
    "open": "btn-outline-success",
    "booked": "btn-primary",
    "blocked": "btn-secondary",
}
BADGE_CLASSES = {
    "open": "border border-success text-success",
    "booked": "text-bg-primary",
    "blocked": "text-bg-secondary",
}


# Chip words and classes for a booked session that needs something before it starts.
SAFETY_CHIPS = {
    "hold": ("On hold", "chip chip-hold"),
    "clearance_needed": ("Clearance needed", "chip chip-missing"),
    "cleared": ("Clearance ✓", "chip chip-ok"),
}


def booked_safety(slot: Slot) -> str:
    """From the annotations of ``with_session_safety``: a stop first, then a clearance."""
    if getattr(slot, "session_blocked", False):
        return "hold"
    if getattr(slot, "clearance_missing", False):
        return "clearance_needed"
    if getattr(slot, "needs_clearance_kind", False):
        return "cleared"
    return ""


def with_session_safety(slots: QuerySet[Slot], clinic: Clinic) -> QuerySet[Slot]:
    """Each slot's active booking's safety, in the same query as the slots (three EXISTS on
    its open flags and her clearances): stopped by a block flag, a clearance still missing, or
    a clearance flag covered by one."""
    booking = OuterRef("booking_id")
    return slots.annotate(
        session_blocked=Exists(open_flags_of(booking, Severity.BLOCK)),
        clearance_missing=Exists(uncovered_clearance_flags(clinic, booking)),
        needs_clearance_kind=Exists(open_flags_of(booking, Severity.CLEARANCE)),
    )


def therapists_on_schedule(*, clinic: Clinic, monday: dt.date) -> QuerySet[Therapist]:
    """Her active therapists, and any former one who still has a session booked that week
    (so the clinic can see it, and block it to cancel it)."""
    begins, ends = clinic.day_bounds(monday, monday + dt.timedelta(days=6))
    booked_that_week = Slot.objects.filter(
        therapist=OuterRef("pk"),
        starts_at__gte=begins,
        starts_at__lt=ends,
        bookings__status=Booking.Status.BOOKED,
    )
    return clinic.therapists.filter(Q(is_active=True) | Exists(booked_that_week))


# A page of the week holds this many therapists: about 9 KB of HTML each for a full week of
# hour-long sessions, so a page stays near 100 KB however large the clinic.
THERAPISTS_PER_PAGE = 10


@dataclass
class TherapistPage:
    """One page of the therapists on a week's schedule, and where it sits among them."""

    therapists: list[Therapist]
    number: int
    total: int
    per_page: int = THERAPISTS_PER_PAGE

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.page_count

    @property
    def first_position(self) -> int:
        return (self.number - 1) * self.per_page + 1

    @property
    def last_position(self) -> int:
        return self.first_position + len(self.therapists) - 1


def therapist_page(
    *, clinic: Clinic, monday: dt.date, number: int, name: str = ""
) -> TherapistPage:
    """Page ``number`` of the therapists on the week's schedule whose name holds ``name``,
    by name.

    One query: the total rides along on each row (a window count), so paging costs nothing
    more. A page past the end (the list shrank since the link was made) shows the last one.
    """
    on_schedule = therapists_on_schedule(clinic=clinic, monday=monday)
    if name:
        on_schedule = on_schedule.filter(display_name__icontains=name)
    counted = on_schedule.annotate(on_schedule_total=Window(Count("pk"))).order_by(
        "display_name", "pk"
    )

    def page(number: int) -> list[Therapist]:
        start = (number - 1) * THERAPISTS_PER_PAGE
        return list(counted[start : start + THERAPISTS_PER_PAGE])

    number = max(1, number)
    therapists = page(number)
    if not therapists and number > 1:
        number = TherapistPage([], 1, total=on_schedule.count()).page_count
        therapists = page(number)
    total = therapists[0].on_schedule_total if therapists else 0
    return TherapistPage(therapists=therapists, number=number, total=total)


@dataclass
class SlotCell:
    """One slot as the week shows it; text worked out here, once, not in the template."""

    slot: Slot
    starts_at: dt.datetime
    state: str = field(init=False)
    label: str = field(init=False)
    text: str = field(init=False)
    button_class: str = field(init=False)
    badge_class: str = field(init=False)
    # A booked session's safety at a glance: "" (nothing to do first), or one of SAFETY_CHIPS.
    safety: str = field(init=False, default="")

    def __post_init__(self):
        if self.slot.booking_id:
            self.state, self.label = "booked", self.slot.client_first_name or "Booked"
            self.safety = booked_safety(self.slot)
        elif self.slot.status == Slot.Status.BLOCKED:
            self.state, self.label = "blocked", "Blocked"
        else:
            self.state, self.label = "open", "Open"
        self.text = f"{self.starts_at:%H:%M} · {self.label}"
        self.button_class = BUTTON_CLASSES[self.state]
        self.badge_class = BADGE_CLASSES[self.state]


@dataclass
class TherapistDay:
    date: dt.date
    cells: list[SlotCell] = field(default_factory=list)
    buttons: str = ""
    # Formatted once here: the week repeats each day for every therapist.
    label: str = field(init=False)
    iso: str = field(init=False)

    def __post_init__(self):
        self.label = f"{self.date:%a} {self.date.day} {self.date:%b}"
        self.iso = self.date.isoformat()

    @property
    def all_blocked(self) -> bool:
        return bool(self.cells) and all(cell.state == Slot.Status.BLOCKED for cell in self.cells)


@dataclass
class TherapistWeek:
    therapist: Therapist
    days: list[TherapistDay]


@dataclass
class WeekGrid:
    clinic: Clinic
    monday: dt.date
    days: list[dt.date]
    therapists: list[TherapistWeek]

    @property
    def sunday(self) -> dt.date:
        return self.days[-1]

    @property
    def previous_monday(self) -> dt.date:
        return self.monday - dt.timedelta(weeks=1)

    @property
    def next_monday(self) -> dt.date:
        return self.monday + dt.timedelta(weeks=1)

    @property
    def is_current(self) -> bool:
        return self.monday == monday_of(self.clinic.today())


def clinic_week(
    *, clinic: Clinic, monday: dt.date, therapists: list[Therapist] | None = None
) -> WeekGrid:
    """The week from ``monday`` for the given therapists (all active ones by default).

    One query for the slots, with their active booking's client first name, whatever the
    number of therapists and slots (plus one for the therapists when not given).
    """
    days = [monday + dt.timedelta(days=offset) for offset in range(7)]
    if therapists is None:
        therapists = list(therapists_on_schedule(clinic=clinic, monday=monday))
    weeks = {
        t.pk: TherapistWeek(therapist=t, days=[TherapistDay(date=day) for day in days])
        for t in therapists
    }
    slots = slots_between(clinic=clinic, first=days[0], last=days[-1]).filter(
        therapist__in=[t.pk for t in therapists]
    )
    tz = clinic.tz
    columns = ("therapist_id", "starts_at", "ends_at", "status", "block_reason")
    for slot in with_session_safety(with_active_booking(slots.only(*columns)), clinic):
        starts_at = timezone.localtime(slot.starts_at, tz)
        week = weeks[slot.therapist_id]
        week.days[(starts_at.date() - monday).days].cells.append(
            SlotCell(slot=slot, starts_at=starts_at)
        )
    return WeekGrid(clinic=clinic, monday=monday, days=days, therapists=list(weeks.values()))
