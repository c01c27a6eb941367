"""Read-only queries shared by the booking views: free times, her bookings, a therapist's days."""

import datetime as dt

from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.db.models.functions import ExtractIsoWeekDay, TruncTime
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from booking.models import Booking, Slot
from clinics.models import Clinic, Therapist, WorkingHours
from common.db import PreparedQuery, prepared_cursor
from safety.models import IntakeResponse, SafetyFlag

# The reads every visit to a clinic's page or to a time's booking page starts with, compiled
# once per process (see ``PreparedQuery``): compiling them cost more than running them.
CLINIC_BY_SLUG = PreparedQuery(
    lambda slug: Clinic.objects.filter(slug=slug), slug="slug-of-no-clinic"
)
SLOT_WITH_CLINIC = PreparedQuery(
    lambda pk: Slot.objects.select_related("therapist__clinic").filter(pk=pk), pk=-1
)


def clinic_by_slug(slug: str) -> Clinic:
    """The clinic of ``slug``, or a 404."""
    found = CLINIC_BY_SLUG.fetch(slug=slug)
    if not found:
        raise Http404("No clinic has that address.")
    return found[0]


def slot_with_clinic(pk: int) -> Slot:
    """The slot of ``pk`` with its therapist and her clinic, or a 404."""
    found = SLOT_WITH_CLINIC.fetch(pk=pk)
    if not found:
        raise Http404("That time is not offered.")
    return found[0]


def bookable_slots(*, clinic: Clinic, therapist: Therapist | None = None) -> QuerySet[Slot]:
    """Free slots of the clinic's active therapists inside its booking horizon."""
    now = timezone.now()
    horizon = now + dt.timedelta(weeks=clinic.booking_horizon_weeks)
    slots = Slot.objects.free().filter(
        therapist__clinic=clinic,
        therapist__is_active=True,
        starts_at__gte=now + dt.timedelta(hours=clinic.booking_notice_hours),
        starts_at__lte=horizon,
    )
    if therapist is not None:
        slots = slots.filter(therapist=therapist)
    return slots


def free_days_and_slots(
    *,
    clinic: Clinic,
    start: dt.date,
    days: int,
    day: dt.date,
    therapist: Therapist | None = None,
) -> tuple[set[dt.date], list[dict]]:
    """For the slot picker, in one query: which of ``days`` clinic-local days from ``start``
    have a free slot, and the free slots of ``day`` (inside that strip or not), earliest first.

    Each slot is a light row with ``id``, ``starts_at``, ``therapist_name`` and ``local_time``
    ("14:30"): the busiest day of a large clinic shows a hundred of them.
    """
    tz = clinic.tz
    last_day = start + dt.timedelta(days=days - 1)
    first, last = clinic.day_bounds(start, last_day)
    day_start, day_end = clinic.day_bounds(day)
    on_day = Q(starts_at__gte=day_start, starts_at__lt=day_end)
    # One scan of the free slots: rows of ``day`` keep their id and therapist; every other row
    # collapses under DISTINCT to its start instant, which is all the strip needs.
    rows = (
        bookable_slots(clinic=clinic, therapist=therapist)
        .filter(Q(starts_at__gte=first, starts_at__lt=last) | on_day)
        .annotate(
            day_slot=Case(When(on_day, then="id")),
            day_therapist=Case(When(on_day, then="therapist__display_name")),
        )
        .values_list("starts_at", "day_slot", "day_therapist")
        .distinct()
        .order_by("starts_at", "day_therapist")
    )
    free_days, slots = set(), []
    for starts_at, slot_id, therapist_name in rows:
        local = starts_at.astimezone(tz)
        free_days.add(local.date())
        if slot_id is not None:
            slots.append(
                {
                    "id": slot_id,
                    "starts_at": starts_at,
                    "therapist_name": therapist_name,
                    "local_time": f"{local:%H:%M}",
                }
            )
    return {d for d in free_days if start <= d <= last_day}, slots


# A free slot (``Slot.objects.free()`` inside the clinic's notice and horizon, which the
# tests hold these queries to): open, ahead, not booked and not held for a plan. The slot
# picker's queries are written out in SQL: building them through the ORM cost the page more
# than PostgreSQL spent running them.
FREE_SLOT = """
    slot.starts_at > %(now)s
    AND slot.starts_at >= %(opens)s AND slot.starts_at <= %(closes)s
    AND slot.status = 'open'
    AND NOT EXISTS (
        SELECT 1 FROM booking_booking booking
        WHERE booking.slot_id = slot.id AND booking.status = 'booked'
    )
    AND NOT EXISTS (
        SELECT 1 FROM booking_plannedsession planned
        JOIN booking_plan plan ON plan.id = planned.plan_id
        WHERE planned.status = 'planned' AND plan.therapist_id = slot.therapist_id
          AND planned.starts_at = slot.starts_at
    )
"""

# In one statement, the picker's two reads for these therapists: which of the strip's
# clinic-local days have a free slot (rows with ``local_day``), and the chosen day's free
# slots (rows with the slot). For the strip the test sits in the select list, so PostgreSQL
# runs it once a day and stops at the day's first free slot: a short walk of the
# ``(therapist, starts_at)`` index, where counting the days' slots would read and check every
# one of them.
PICKER_DAYS_AND_SLOTS_SQL = f"""
SELECT day.local_day, NULL::bigint, NULL::timestamptz, NULL::bigint
FROM (
    SELECT local_day, EXISTS (
        SELECT 1 FROM booking_slot slot
        WHERE slot.therapist_id = ANY(%(therapists)s::bigint[])
          AND slot.starts_at >= day_starts AND slot.starts_at < day_ends
          AND {FREE_SLOT}
    ) AS has_free
    FROM (
        SELECT local_day,
            local_day::timestamp AT TIME ZONE %(tz)s AS day_starts,
            (local_day + 1)::timestamp AT TIME ZONE %(tz)s AS day_ends
        FROM (
            SELECT %(start)s::date + offset_days AS local_day
            FROM generate_series(0, %(days)s - 1) AS offset_days
        ) AS local_days
    ) AS days
) AS day
WHERE day.has_free
UNION ALL
SELECT NULL, slot.id, slot.starts_at, slot.therapist_id
FROM booking_slot slot
WHERE slot.therapist_id = ANY(%(therapists)s::bigint[])
  AND slot.starts_at >= %(day_starts)s AND slot.starts_at < %(day_ends)s
  AND {FREE_SLOT}
"""

# The clinic's therapists clients may see (``on_public_pages``), each with her next free
# time inside the horizon: one short walk of her ``(therapist, starts_at)`` index each.
PUBLIC_THERAPISTS_SQL = f"""
SELECT therapist.id, therapist.clinic_id, therapist.display_name, therapist.slug,
    (SELECT slot.starts_at FROM booking_slot slot
     WHERE slot.therapist_id = therapist.id AND {FREE_SLOT}
     ORDER BY slot.starts_at LIMIT 1) AS next_free
FROM clinics_therapist therapist
WHERE therapist.clinic_id = %(clinic)s AND therapist.is_active
  AND (
    EXISTS (
        SELECT 1 FROM clinics_workinghours hours
        WHERE hours.therapist_id = therapist.id
          AND (hours.valid_until IS NULL OR hours.valid_until >= %(today)s)
    )
    OR EXISTS (
        SELECT 1 FROM booking_slot slot
        WHERE slot.therapist_id = therapist.id AND slot.status = 'open'
          AND slot.starts_at > %(now)s
    )
  )
ORDER BY therapist.display_name, therapist.id
"""


# The columns above, in the model's field order as ``Model.from_db`` takes them.
PUBLIC_THERAPIST_FIELDS = ["id", "clinic_id", "display_name", "slug"]


def free_slot_window(clinic: Clinic) -> dict:
    """The moments ``FREE_SLOT`` compares with: now, and the clinic's notice and horizon."""
    now = timezone.now()
    return {
        "now": now,
        "opens": now + dt.timedelta(hours=clinic.booking_notice_hours),
        "closes": now + dt.timedelta(weeks=clinic.booking_horizon_weeks),
    }


def written_out_sql() -> bool:
    """Whether the picker's written-out SQL (PostgreSQL's arrays and ``unnest``) can run.

    Production and the tests run on PostgreSQL; the embedded demo on SQLite gets the same
    answers from the ORM, a little slower.
    """
    return connection.vendor == "postgresql"


def free_days_and_day_slots(
    *, clinic: Clinic, therapist_ids: list[int], start: dt.date, days: int, day: dt.date
) -> tuple[set[dt.date], list[tuple[int, dt.datetime, int]]]:
    """Which of ``days`` clinic-local days from ``start`` these therapists have a free slot
    on, and their free slots on clinic-local ``day`` as light rows ``(id, starts_at,
    therapist_id)``, earliest first: one statement however many slots those days hold."""
    day_start, day_end = clinic.day_bounds(day)
    if not written_out_sql():
        dates = [start + dt.timedelta(days=offset) for offset in range(days)]
        return (
            _free_days_orm(clinic=clinic, therapist_ids=therapist_ids, dates=dates),
            _free_slots_orm(
                clinic=clinic, therapist_ids=therapist_ids, bounds=(day_start, day_end)
            ),
        )
    # The days' bounds are worked out by PostgreSQL, in the clinic's zone (a day is 23 or 25
    # hours long when the clocks change), as ``Clinic.day_bounds`` does.
    params = {
        **free_slot_window(clinic),
        "therapists": therapist_ids,
        "start": start,
        "days": days,
        "tz": clinic.time_zone,
        "day_starts": day_start,
        "day_ends": day_end,
    }
    with prepared_cursor() as cursor:
        cursor.execute(PICKER_DAYS_AND_SLOTS_SQL, params)
        rows = cursor.fetchall()
    free = {local_day for local_day, *_ in rows if local_day is not None}
    slots = sorted((row[1:] for row in rows if row[0] is None), key=lambda slot: slot[1])
    return free, slots


def _free_days_orm(*, clinic: Clinic, therapist_ids: list[int], dates: list[dt.date]):
    first, last = clinic.day_bounds(dates[0], dates[-1])
    starts = bookable_slots(clinic=clinic).filter(
        therapist__in=therapist_ids, starts_at__gte=first, starts_at__lt=last
    )
    return {
        clinic.local_date(starts_at) for starts_at in starts.values_list("starts_at", flat=True)
    }


def _free_slots_orm(*, clinic: Clinic, therapist_ids: list[int], bounds: tuple):
    slots = bookable_slots(clinic=clinic).filter(
        therapist__in=therapist_ids, starts_at__gte=bounds[0], starts_at__lt=bounds[1]
    )
    return list(slots.order_by("starts_at").values_list("id", "starts_at", "therapist_id"))


def working_week(*, therapist: Therapist, today: dt.date) -> dict[int, list[dt.time]]:
    """The clinic-local session start times on each weekday she works (Monday = 0).

    From her current and coming working hours, laid out as the slot generator lays them out,
    plus any open slot of hers ahead (a time the clinic opened by hand), in two queries.
    """
    clinic = therapist.clinic
    session = dt.timedelta(minutes=clinic.session_minutes)
    step = session + dt.timedelta(minutes=clinic.turnover_minutes)
    week: dict[int, set[dt.time]] = {}
    hours = therapist.working_hours.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    for stretch in hours:
        moment = dt.datetime.combine(today, stretch.starts_at)
        closing = dt.datetime.combine(today, stretch.ends_at)
        while moment + session <= closing:
            week.setdefault(stretch.weekday, set()).add(moment.time())
            moment += step
    opened = (
        Slot.objects.open()
        .filter(therapist=therapist, starts_at__gt=timezone.now())
        .annotate(
            iso_weekday=ExtractIsoWeekDay("starts_at", tzinfo=clinic.tz),
            local_time=TruncTime("starts_at", tzinfo=clinic.tz),
        )
        .order_by()
        .values_list("iso_weekday", "local_time")
        .distinct()
    )
    for iso_weekday, local_time in opened:
        week.setdefault(iso_weekday - 1, set()).add(local_time)
    return {day: sorted(week[day]) for day in sorted(week)}


def on_public_pages(therapists: QuerySet[Therapist], *, today: dt.date) -> QuerySet[Therapist]:
    """The active therapists clients may see: those with working hours from ``today`` on, or
    an open slot ahead (a time the clinic opened by hand). One just invited, with neither,
    has no time to offer and would only be an empty choice."""
    current_hours = WorkingHours.objects.filter(therapist=OuterRef("pk")).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    open_ahead = Slot.objects.open().filter(therapist=OuterRef("pk"), starts_at__gt=timezone.now())
    return therapists.filter(is_active=True).filter(Exists(current_hours) | Exists(open_ahead))


def attach_public_therapists(clinics: list[Clinic]) -> None:
    """Set ``public_therapists`` on each clinic (those clients may see), in one query."""
    therapists = on_public_pages(
        Therapist.objects.filter(clinic__in=clinics), today=timezone.localdate()
    ).order_by("display_name")
    by_clinic: dict[int, list[Therapist]] = {clinic.pk: [] for clinic in clinics}
    for therapist in therapists.only("id", "clinic_id", "display_name"):
        by_clinic[therapist.clinic_id].append(therapist)
    for clinic in clinics:
        clinic.public_therapists = by_clinic[clinic.pk]


def _first_free_start(**filters) -> Subquery:
    """The earliest free slot start matching ``filters`` (one index walk per outer row)."""
    return Subquery(
        Slot.objects.free().filter(**filters).order_by("starts_at").values("starts_at")[:1]
    )


def clinics_with_next_free() -> list[Clinic]:
    """Every clinic with ``next_free``: its next free time inside its booking horizon, or None."""
    clinics = list(
        Clinic.objects.annotate(
            next_free=_first_free_start(therapist__clinic=OuterRef("pk"), therapist__is_active=True)
        )
    )
    now = timezone.now()
    for clinic in clinics:
        if clinic.next_free and clinic.next_free > now + dt.timedelta(
            weeks=clinic.booking_horizon_weeks
        ):
            clinic.next_free = None
    return clinics


def public_therapists(*, clinic: Clinic) -> list[Therapist]:
    """The clinic's therapists clients may see, by name, each with ``next_free`` (inside the
    horizon) or None, in one query. Only the fields the slot picker shows are loaded: it runs
    on every visit to a clinic."""
    if not written_out_sql():
        return list(public_therapists_orm(clinic=clinic))
    params = {**free_slot_window(clinic), "clinic": clinic.pk, "today": clinic.today()}
    with prepared_cursor() as cursor:
        cursor.execute(PUBLIC_THERAPISTS_SQL, params)
        rows = cursor.fetchall()
    therapists = []
    for *values, next_free in rows:
        therapist = Therapist.from_db(connection.alias, PUBLIC_THERAPIST_FIELDS, values)
        therapist.next_free = next_free
        therapists.append(therapist)
    return therapists


def public_therapists_orm(*, clinic: Clinic) -> QuerySet[Therapist]:
    """``public_therapists`` through the ORM, for databases without the written-out SQL."""
    next_free = bookable_slots(clinic=clinic).filter(therapist=OuterRef("pk")).order_by("starts_at")
    return (
        on_public_pages(Therapist.objects.filter(clinic=clinic), today=clinic.today())
        .only("id", "clinic_id", "slug", "display_name")
        .annotate(next_free=Subquery(next_free.values("starts_at")[:1]))
        .order_by("display_name", "id")
    )


def nearest_free_slots(*, slot: Slot, limit: int = 3, same_therapist: bool = False) -> list[Slot]:
    """Free times closest to ``slot`` at the same clinic (offered when it was just taken)."""
    clinic = slot.therapist.clinic
    therapist = slot.therapist if same_therapist else None
    candidates = bookable_slots(clinic=clinic, therapist=therapist).exclude(pk=slot.pk)
    candidates = candidates.select_related("therapist")
    later = list(candidates.filter(starts_at__gte=slot.starts_at).order_by("starts_at")[:limit])
    earlier = list(candidates.filter(starts_at__lt=slot.starts_at).order_by("-starts_at")[:limit])
    nearest = sorted(later + earlier, key=lambda s: abs(s.starts_at - slot.starts_at))[:limit]
    return sorted(nearest, key=lambda s: s.starts_at)


def clinic_clients(*, clinic: Clinic) -> QuerySet[User]:
    """Her clinic's clients: those who booked there and those its staff registered."""
    return User.objects.filter(
        Q(registered_at_clinics=clinic) | Q(bookings__slot__therapist__clinic=clinic),
        is_active=True,
    ).distinct()


def therapist_clients(*, therapist: Therapist) -> QuerySet[User]:
    """The clients a therapist acts for: hers (a session in her slots), and the clinic's
    registered clients who have not booked anyone there yet. Another therapist's clients
    stay private to that therapist and the clinic's admins."""
    clinic_id = therapist.clinic_id
    hers = Booking.objects.filter(slot__therapist=therapist).values("client")
    booked_at_clinic = Booking.objects.filter(slot__therapist__clinic_id=clinic_id).values("client")
    return User.objects.filter(
        Q(pk__in=hers) | (Q(registered_at_clinics=clinic_id) & ~Q(pk__in=booked_at_clinic)),
        is_active=True,
    ).distinct()


def open_flags(*, only: tuple[str, ...] = ()) -> Prefetch:
    """Each session's open flags as ``open_flags``, by code; ``only`` the fields named, when
    a page shows just those."""
    flags = SafetyFlag.objects.filter(closed_at__isnull=True).order_by("code")
    return Prefetch(
        "safety_flags", queryset=flags.only(*only) if only else flags, to_attr="open_flags"
    )


# Her clearances, which decide whether a clearance flag still asks for one: one query
# for a whole page of sessions instead of one per session.
CLEARANCES = "client__clearances"


def client_bookings(*, client: User) -> QuerySet[Booking]:
    """All of her bookings with what the pages show, in a fixed number of queries."""
    return (
        Booking.objects.filter(client=client)
        .select_related("client", "slot__therapist__clinic", "plan__therapist")
        .prefetch_related(open_flags(), CLEARANCES)
        .order_by("starts_at")
    )


def split_upcoming(bookings) -> tuple[list[Booking], list[Booking]]:
    """Upcoming active sessions (soonest first) and everything else (latest first)."""
    now = timezone.now()
    upcoming, past = [], []
    for booking in bookings:
        (upcoming if booking.is_active and booking.ends_at > now else past).append(booking)
    past.sort(key=lambda b: b.starts_at, reverse=True)
    return upcoming, past


def _her_sessions(client_id: int) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(client_id=client_id)
        .select_related("slot__therapist__clinic")
        .only(
            "client_id",
            "status",
            "starts_at",
            "ends_at",
            "plan_id",
            "change_grace_until",
            "slot__therapist__display_name",
            "slot__therapist__clinic__name",
            "slot__therapist__clinic__phone",
            "slot__therapist__clinic__time_zone",
            "slot__therapist__clinic__cancellation_notice_hours",
        )
        .annotate(
            plan_status=F("plan__status"), plan_therapist_name=F("plan__therapist__display_name")
        )
        .order_by("starts_at")
    )


def _her_open_flags(client_id: int) -> QuerySet[SafetyFlag]:
    return (
        SafetyFlag.objects.filter(booking__client_id=client_id, closed_at__isnull=True)
        .only("booking_id", "code", "severity", "title", "client_message", "closed_at")
        .order_by("code")
    )


# "My bookings" is the page she opens most; both its reads are compiled once per process.
HER_SESSIONS = PreparedQuery(_her_sessions, client_id=-1)
HER_OPEN_FLAGS = PreparedQuery(_her_open_flags, client_id=-1)


def session_list(*, client: User) -> list[Booking]:
    """Her bookings as "My bookings" lists them, in two queries: only the columns the list
    shows (her plan's state and therapist as two annotations), and each session's open flags
    (as ``open_flags``, by code), only what is said of them.

    The list is her whole history, and building models costs more than the SQL: every
    column and related row left out is one the page does not pay for.
    """
    sessions = HER_SESSIONS.fetch(client_id=client.pk)
    flags_by_session: dict[int, list[SafetyFlag]] = {}
    for flag in HER_OPEN_FLAGS.fetch(client_id=client.pk):
        flags_by_session.setdefault(flag.booking_id, []).append(flag)
    for session in sessions:
        # Each session knows her without a join or a query.
        session.client = client
        session.open_flags = flags_by_session.get(session.pk, [])
    return sessions


def therapist_sessions(
    *, therapist: Therapist, start: dt.datetime, end: dt.datetime
) -> QuerySet[Booking]:
    """Her active sessions starting in [start, end), with client, due date and open flags."""
    return (
        Booking.objects.filter(
            slot__therapist=therapist,
            status=Booking.Status.BOOKED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("client__pregnancy_profile", "slot__therapist__clinic")
        .prefetch_related(open_flags(), CLEARANCES)
        .order_by("starts_at")
    )


def latest_answers() -> Prefetch:
    """Each session's client's newest health answers (her notes), as ``latest_answers``: one
    query for a page of sessions, however many versions she saved."""
    return Prefetch(
        "client__intake_responses",
        queryset=IntakeResponse.objects.order_by("-created_at", "-pk")[:1],
        to_attr="latest_answers",
    )


def attach_alternatives(missed) -> None:
    """Each missed date's offered alternatives that are still free, as ``.alternatives``."""
    ids = {pk for planned in missed for pk in planned.alternative_slot_ids}
    # Building the query costs more than the lookup; most pages have no missed date.
    free = {slot.pk: slot for slot in Slot.objects.free().filter(pk__in=ids)} if ids else {}
    for planned in missed:
        planned.alternatives = [free[pk] for pk in planned.alternative_slot_ids if pk in free]
