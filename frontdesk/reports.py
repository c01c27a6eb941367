"""How the clinic is doing: the figures of the reports page, from a fixed number of queries.

Five aggregate queries, whatever the number of bookings: sessions per week, first sessions
of new clients, booked and open hours per therapist, adherence per active plan and the
trimester mix. Each figure becomes a ``Table`` whose rows the page, its chart and its CSV
export all show, so the three can never disagree.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from booking.models import Booking, Plan, Slot
from clinics.models import Clinic, Therapist
from safety.dating import PREGNANCY_DAYS

# Held sessions: still booked (attended, no-show or not yet marked). A late cancellation
# also counts as booked for its week: the time was held for her until too late to rebook.
HELD = Q(status=Booking.Status.BOOKED)
BOOKED_FOR_WEEK = HELD | Q(attendance=Booking.Attendance.CANCELLED_LATE)

# Trimester cut-offs (ACOG): second from 14w0d, third from 28w0d. A session on ``day`` is
# in the third trimester when due − day ≤ 280 − 196 days, and so on.
DAYS_LEFT_AT_THIRD = PREGNANCY_DAYS - 28 * 7
DAYS_LEFT_AT_SECOND = PREGNANCY_DAYS - 14 * 7
TRIMESTERS = [("first", "First"), ("second", "Second"), ("third", "Third")]
UNKNOWN = ("unknown", "No due date")


@dataclass
class Table:
    """One figure as rows of cells; ``key`` names its CSV export."""

    key: str
    caption: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    # Numbers for the chart: one label and one list of values per row.
    chart_rows: list[tuple[str, list[float]]] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    unit: str = ""


@dataclass
class Report:
    clinic: Clinic
    first: dt.date
    last: dt.date
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def week_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def percent(part: float, whole: float) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def hours(duration: dt.timedelta | None) -> float:
    return round(duration.total_seconds() / 3600, 1) if duration else 0.0


def sessions_in(clinic: Clinic, start: dt.datetime, end: dt.datetime):
    return Booking.objects.filter(
        slot__therapist__clinic=clinic, starts_at__gte=start, starts_at__lt=end
    )


def weekly_table(clinic: Clinic, first: dt.date, last: dt.date, start, end) -> Table:
    rows = (
        sessions_in(clinic, start, end)
        .annotate(week=TruncWeek("starts_at", tzinfo=clinic.tz))
        .values("week")
        .annotate(
            booked=Count("pk", filter=BOOKED_FOR_WEEK),
            attended=Count("pk", filter=Q(attendance=Booking.Attendance.ATTENDED)),
            no_shows=Count("pk", filter=Q(attendance=Booking.Attendance.NO_SHOW)),
            late=Count("pk", filter=Q(attendance=Booking.Attendance.CANCELLED_LATE)),
        )
        .order_by("week")
    )
    by_week = {clinic.local_date(row["week"]): row for row in rows}
    table = Table(
        key="weekly",
        caption="Sessions per week",
        headers=["Week of", "Booked", "Attended", "No-shows", "Cancelled late"],
        series=["Attended", "No-shows", "Cancelled late", "Not marked"],
    )
    for monday in week_starts(first, last):
        row = by_week.get(monday, {})
        counts = [row.get(key, 0) for key in ("booked", "attended", "no_shows", "late")]
        table.rows.append([monday.isoformat(), *map(str, counts)])
        booked, attended, no_shows, late = counts
        table.chart_rows.append(
            (f"{monday:%-d %b}", [attended, no_shows, late, booked - attended - no_shows - late])
        )
    return table


def new_clients_table(clinic: Clinic, first: dt.date, last: dt.date, start, end) -> Table:
    """Clients whose first session at the clinic falls in the week."""
    firsts = (
        Booking.objects.filter(BOOKED_FOR_WEEK, slot__therapist__clinic=clinic)
        .values("client")
        .annotate(first_session=Min("starts_at"))
        .filter(first_session__gte=start, first_session__lt=end)
        .values_list("first_session", flat=True)
    )
    counts: dict[dt.date, int] = {}
    for first_session in firsts:
        day = clinic.local_date(first_session)
        monday = day - dt.timedelta(days=day.weekday())
        counts[monday] = counts.get(monday, 0) + 1
    table = Table(
        key="new_clients",
        caption="New clients per week (first session at the clinic)",
        headers=["Week of", "New clients"],
        series=["New clients"],
    )
    for monday in week_starts(first, last):
        table.rows.append([monday.isoformat(), str(counts.get(monday, 0))])
        table.chart_rows.append((f"{monday:%-d %b}", [counts.get(monday, 0)]))
    return table


def _duration_sum(queryset, group_by: str) -> Subquery:
    """The summed length of ``queryset``'s rows, as a subquery per outer therapist."""
    return Subquery(
        queryset.order_by()
        .values(group_by)
        .annotate(total=Sum(F("ends_at") - F("starts_at")))
        .values("total"),
        output_field=DurationField(),
    )


def utilisation_table(clinic: Clinic, start, end) -> Table:
    """Booked hours ÷ open hours per therapist (open: every open slot, booked or free)."""
    slots = Slot.objects.filter(
        therapist=OuterRef("pk"), status=Slot.Status.OPEN, starts_at__gte=start, starts_at__lt=end
    )
    booked = Booking.objects.filter(
        slot__therapist=OuterRef("pk"), status=Booking.Status.BOOKED
    ).filter(starts_at__gte=start, starts_at__lt=end)
    therapists = (
        Therapist.objects.filter(clinic=clinic)
        .annotate(
            open_time=_duration_sum(slots, "therapist"),
            booked_time=_duration_sum(booked, "slot__therapist"),
        )
        .values_list("display_name", "is_active", "open_time", "booked_time")
        .order_by("display_name")
    )
    table = Table(
        key="utilisation",
        caption="Utilisation per therapist (booked hours ÷ open hours)",
        headers=["Therapist", "Booked hours", "Open hours", "Utilisation"],
        series=["Utilisation"],
        unit="%",
    )
    for name, active, open_time, booked_time in therapists:
        if not active and not open_time:
            continue
        open_hours, booked_hours = hours(open_time), hours(booked_time)
        table.rows.append(
            [name, f"{booked_hours:g}", f"{open_hours:g}", percent(booked_hours, open_hours)]
        )
        share = round(100 * booked_hours / open_hours) if open_hours else 0
        table.chart_rows.append((name, [share]))
    return table


def adherence_table(clinic: Clinic, start, end) -> Table:
    """Per active plan: sessions attended ÷ sessions due so far in the range."""
    due_until = min(end, timezone.now())
    due = Q(bookings__starts_at__gte=start, bookings__starts_at__lt=due_until) & (
        Q(bookings__status=Booking.Status.BOOKED)
        | Q(bookings__attendance=Booking.Attendance.CANCELLED_LATE)
    )
    plans = (
        Plan.objects.filter(therapist__clinic=clinic, status=Plan.Status.ACTIVE)
        .annotate(
            planned=Count("bookings", filter=due),
            attended=Count(
                "bookings", filter=due & Q(bookings__attendance=Booking.Attendance.ATTENDED)
            ),
        )
        .filter(planned__gt=0)
        .values_list(
            "pk",
            "client__first_name",
            "client__last_name",
            "therapist__display_name",
            "planned",
            "attended",
        )
        .order_by("client__first_name", "client__last_name", "pk")
    )
    table = Table(
        key="plans",
        caption="Plan adherence (attended ÷ sessions due so far, active plans)",
        headers=["Client", "Therapist", "Sessions due", "Attended", "Adherence"],
        series=["Adherence"],
        unit="%",
    )
    for _pk, first_name, last_name, therapist, planned, attended in plans:
        name = f"{first_name} {last_name}".strip() or "Client"
        table.rows.append(
            [name, therapist, str(planned), str(attended), percent(attended, planned)]
        )
        table.chart_rows.append((name, [round(100 * attended / planned)]))
    return table


def trimester_table(clinic: Clinic, start, end) -> Table:
    """Held sessions by the client's trimester on the session's (clinic-local) date."""
    session_day = TruncDate("starts_at", tzinfo=clinic.tz)

    def day_plus(days: int):
        return ExpressionWrapper(
            F("session_day") + dt.timedelta(days=days), output_field=DateField()
        )

    due = "client__pregnancy_profile__due_date"
    rows = (
        sessions_in(clinic, start, end)
        .filter(HELD)
        .annotate(session_day=session_day)
        .annotate(
            trimester=Case(
                When(**{f"{due}__isnull": True}, then=Value(UNKNOWN[0])),
                When(**{f"{due}__lte": day_plus(DAYS_LEFT_AT_THIRD)}, then=Value("third")),
                When(**{f"{due}__lte": day_plus(DAYS_LEFT_AT_SECOND)}, then=Value("second")),
                default=Value("first"),
            )
        )
        .values("trimester")
        .annotate(sessions=Count("pk"))
        .order_by()
    )
    counts = {row["trimester"]: row["sessions"] for row in rows}
    total = sum(counts.values())
    table = Table(
        key="trimesters",
        caption="Trimester mix (held sessions by trimester on the day)",
        headers=["Trimester", "Sessions", "Share"],
        series=["Sessions"],
    )
    for key, label in [*TRIMESTERS, UNKNOWN]:
        if key == UNKNOWN[0] and not counts.get(key):
            continue
        table.rows.append([label, str(counts.get(key, 0)), percent(counts.get(key, 0), total)])
        table.chart_rows.append((label, [counts.get(key, 0)]))
    return table


def clinic_report(*, clinic: Clinic, first: dt.date, last: dt.date) -> Report:
    """Every figure of the reports page for clinic-local days ``first`` to ``last``."""
    start, end = clinic.day_bounds(first, last)
    return Report(
        clinic=clinic,
        first=first,
        last=last,
        tables=[
            weekly_table(clinic, first, last, start, end),
            utilisation_table(clinic, start, end),
            adherence_table(clinic, start, end),
            new_clients_table(clinic, first, last, start, end),
            trimester_table(clinic, start, end),
        ],
    )
