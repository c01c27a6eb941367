"""How the clinic is doing: the figures of the reports page, from a fixed number of queries.

Four aggregate queries, whatever the number of bookings: sessions grouped by week, therapist
and trimester (the weekly counts, each therapist's booked hours and the trimester mix), open
hours per therapist, first sessions of new clients, and adherence per active plan. Each figure
becomes a ``Table`` whose rows the page, its chart and its CSV export all show, so the three
can never disagree.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from accounts.models import User
from booking.models import Booking, Plan, Slot
from clinics.models import Clinic
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


def in_range(start: dt.datetime, end: dt.datetime) -> Q:
    """Sessions starting in [start, end). A booking copies its slot's start, so the slot's
    start is filtered too: the join to the slots then reads only the range's slots by index
    rather than every slot of the year."""
    return Q(
        starts_at__gte=start,
        starts_at__lt=end,
        slot__starts_at__gte=start,
        slot__starts_at__lt=end,
    )


def sessions_in(clinic: Clinic, start: dt.datetime, end: dt.datetime):
    return Booking.objects.filter(in_range(start, end), slot__therapist__clinic=clinic)


def trimester_on_session_day(clinic: Clinic) -> Case:
    """Her trimester on the session's clinic-local date, from her due date (or unknown)."""

    def day_plus(days: int):
        return ExpressionWrapper(
            TruncDate("starts_at", tzinfo=clinic.tz) + dt.timedelta(days=days),
            output_field=DateField(),
        )

    due = "client__pregnancy_profile__due_date"
    return Case(
        When(**{f"{due}__isnull": True}, then=Value(UNKNOWN[0])),
        When(**{f"{due}__lte": day_plus(DAYS_LEFT_AT_THIRD)}, then=Value("third")),
        When(**{f"{due}__lte": day_plus(DAYS_LEFT_AT_SECOND)}, then=Value("second")),
        default=Value("first"),
    )


def sessions_by_week_and_therapist(clinic: Clinic, start, end) -> list[dict]:
    """One scan of the range's sessions, grouped by week, therapist and trimester: the weekly
    counts, each therapist's booked time and the trimester mix all come from it."""
    return list(
        sessions_in(clinic, start, end)
        .annotate(
            week=TruncWeek("starts_at", tzinfo=clinic.tz),
            trimester=trimester_on_session_day(clinic),
        )
        .values("week", "slot__therapist", "trimester")
        .annotate(
            held=Count("pk", filter=HELD),
            booked=Count("pk", filter=BOOKED_FOR_WEEK),
            attended=Count("pk", filter=Q(attendance=Booking.Attendance.ATTENDED)),
            no_shows=Count("pk", filter=Q(attendance=Booking.Attendance.NO_SHOW)),
            late=Count("pk", filter=Q(attendance=Booking.Attendance.CANCELLED_LATE)),
            held_time=Sum(F("ends_at") - F("starts_at"), filter=HELD),
        )
        .order_by()
    )


COUNTS = ("booked", "attended", "no_shows", "late")


def weekly_table(clinic: Clinic, first: dt.date, last: dt.date, groups: list[dict]) -> Table:
    by_week: dict[dt.date, list[int]] = {}
    for group in groups:
        totals = by_week.setdefault(clinic.local_date(group["week"]), [0, 0, 0, 0])
        for index, key in enumerate(COUNTS):
            totals[index] += group[key]
    table = Table(
        key="weekly",
        caption="Sessions per week",
        headers=["Week of", "Booked", "Attended", "No-shows", "Cancelled late"],
        series=["Attended", "No-shows", "Cancelled late", "Not marked"],
    )
    for monday in week_starts(first, last):
        booked, attended, no_shows, late = by_week.get(monday, [0, 0, 0, 0])
        table.rows.append([monday.isoformat(), *map(str, (booked, attended, no_shows, late))])
        table.chart_rows.append(
            (f"{monday:%-d %b}", [attended, no_shows, late, booked - attended - no_shows - late])
        )
    return table


def new_clients_table(clinic: Clinic, first: dt.date, last: dt.date, start, end) -> Table:
    """Clients whose first session at the clinic falls in the week.

    For each client with a session in the range, her first session at the clinic is read
    from the (client, start) index, stopping at the first row: the history is never scanned.
    """
    at_clinic = Booking.objects.filter(BOOKED_FOR_WEEK, slot__therapist__clinic=clinic)
    first_session = Subquery(
        at_clinic.filter(client=OuterRef("pk")).order_by("starts_at").values("starts_at")[:1]
    )
    rows = (
        User.objects.filter(pk__in=at_clinic.filter(in_range(start, end)).values("client"))
        .annotate(first_session=first_session)
        .filter(first_session__gte=start, first_session__lt=end)
        .annotate(week=TruncWeek("first_session", tzinfo=clinic.tz))
        .values("week")
        .annotate(clients=Count("pk"))
        .order_by()
    )
    counts = {clinic.local_date(row["week"]): row["clients"] for row in rows}
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


def utilisation_table(clinic: Clinic, start, end, groups: list[dict]) -> Table:
    """Booked hours ÷ open hours per therapist (open: every open slot, booked or free)."""
    open_slots = (
        Slot.objects.filter(
            therapist__clinic=clinic,
            status=Slot.Status.OPEN,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .values("therapist", "therapist__display_name")
        .annotate(open_time=Sum(F("ends_at") - F("starts_at")))
        .order_by("therapist__display_name", "therapist")
    )
    held: dict[int, dt.timedelta] = {}
    for group in groups:
        therapist = group["slot__therapist"]
        held[therapist] = held.get(therapist, dt.timedelta()) + (
            group["held_time"] or dt.timedelta()
        )
    table = Table(
        key="utilisation",
        caption="Utilisation per therapist (booked hours ÷ open hours)",
        headers=["Therapist", "Booked hours", "Open hours", "Utilisation"],
        series=["Utilisation"],
        unit="%",
    )
    for row in open_slots:
        open_hours = hours(row["open_time"])
        booked_hours = hours(held.get(row["therapist"]))
        name = row["therapist__display_name"]
        table.rows.append(
            [name, f"{booked_hours:g}", f"{open_hours:g}", percent(booked_hours, open_hours)]
        )
        share = round(100 * booked_hours / open_hours) if open_hours else 0
        table.chart_rows.append((name, [share]))
    return table


def adherence_table(clinic: Clinic, start, end) -> Table:
    """Per active plan: sessions attended ÷ sessions due so far in the range."""
    due_until = min(end, timezone.now())
    # From the sessions' side, so only the range's sessions are read, not every plan's.
    plans = (
        Booking.objects.filter(
            BOOKED_FOR_WEEK,
            in_range(start, due_until),
            plan__therapist__clinic=clinic,
            plan__status=Plan.Status.ACTIVE,
        )
        .values_list(
            "plan",
            "plan__client__first_name",
            "plan__client__last_name",
            "plan__therapist__display_name",
        )
        .annotate(
            planned=Count("pk"),
            attended=Count("pk", filter=Q(attendance=Booking.Attendance.ATTENDED)),
        )
        .order_by("plan__client__first_name", "plan__client__last_name", "plan")
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


def trimester_table(groups: list[dict]) -> Table:
    """Held sessions by the client's trimester on the session's (clinic-local) date."""
    counts: dict[str, int] = {}
    for group in groups:
        counts[group["trimester"]] = counts.get(group["trimester"], 0) + group["held"]
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
    groups = sessions_by_week_and_therapist(clinic, start, end)
    return Report(
        clinic=clinic,
        first=first,
        last=last,
        tables=[
            weekly_table(clinic, first, last, groups),
            utilisation_table(clinic, start, end, groups),
            adherence_table(clinic, start, end),
            new_clients_table(clinic, first, last, start, end),
            trimester_table(groups),
        ],
    )
