"""Read queries for the schedule: a clinic's week at a glance, slot by slot."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from booking.models import Booking, Slot
from clinics.models import Clinic, Therapist


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def local_day_bounds(
    clinic: Clinic, first: dt.date, last: dt.date
) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where clinic-local ``first`` begins and ``last`` ends."""
    tz = clinic.tz
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz),
    )


def slots_between(*, clinic: Clinic, first: dt.date, last: dt.date) -> QuerySet[Slot]:
    """The clinic's slots starting on local dates ``first`` to ``last`` (inclusive)."""
    begins, ends = local_day_bounds(clinic, first, last)
    return Slot.objects.filter(
        therapist__clinic=clinic, starts_at__gte=begins, starts_at__lt=ends
    ).order_by("starts_at")


def with_active_booking(slots: QuerySet[Slot]) -> QuerySet[Slot]:
    """Annotate each slot with its active booking's id and the client's first name."""
    active = Booking.objects.filter(slot=OuterRef("pk"), status=Booking.Status.BOOKED)
    return slots.annotate(
        booking_id=Subquery(active.values("pk")[:1]),
        client_first_name=Subquery(active.values("client__first_name")[:1]),
    )


@dataclass
class SlotCell:
    slot: Slot
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def state(self) -> str:
        if self.slot.booking_id:
            return "booked"
        return self.slot.status

    @property
    def label(self) -> str:
        if self.state == "booked":
            return self.slot.client_first_name or "Booked"
        return "Blocked" if self.state == Slot.Status.BLOCKED else "Open"


@dataclass
class TherapistDay:
    date: dt.date
    cells: list[SlotCell] = field(default_factory=list)

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
        return self.monday == monday_of(timezone.localdate(timezone=self.clinic.tz))


def clinic_week(
    *, clinic: Clinic, monday: dt.date, therapists: list[Therapist] | None = None
) -> WeekGrid:
    """The week from ``monday`` for the given therapists (all active ones by default).

    One query for the slots, with their active booking's client first name, whatever the
    number of therapists and slots (plus one for the therapists when not given).
    """
    days = [monday + dt.timedelta(days=offset) for offset in range(7)]
    if therapists is None:
        therapists = list(clinic.therapists.active())
    weeks = {
        t.pk: TherapistWeek(therapist=t, days=[TherapistDay(date=day) for day in days])
        for t in therapists
    }
    slots = slots_between(clinic=clinic, first=days[0], last=days[-1]).filter(
        therapist__in=[t.pk for t in therapists]
    )
    tz = clinic.tz
    for slot in with_active_booking(slots):
        starts_at = timezone.localtime(slot.starts_at, tz)
        week = weeks[slot.therapist_id]
        week.days[(starts_at.date() - monday).days].cells.append(
            SlotCell(slot=slot, starts_at=starts_at, ends_at=timezone.localtime(slot.ends_at, tz))
        )
    return WeekGrid(clinic=clinic, monday=monday, days=days, therapists=list(weeks.values()))
