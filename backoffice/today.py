"""What needs the clinic admin today: the counts her dashboard opens on, and their lists.

Each count is one filter of the clinic's sessions, so the dashboard costs two queries however
busy the clinic is (one over its sessions, one over its outbox).
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from booking.models import Booking, Reminder
from care.models import SessionHold
from clinics.models import Clinic
from safety.models import Clearance, SafetyFlag, Severity


def open_flags_of(booking, severity: str) -> QuerySet[SafetyFlag]:
    """Open flags of ``severity`` on a session (an ``OuterRef`` to it)."""
    return SafetyFlag.objects.filter(booking=booking, closed_at__isnull=True, severity=severity)


def uncovered_clearance_flags(clinic: Clinic, booking=None) -> QuerySet[SafetyFlag]:
    """Open clearance flags of a session (``OuterRef("pk")`` unless given) that no recorded
    clearance covers on the session's clinic-local date."""
    flags = open_flags_of(booking or OuterRef("pk"), Severity.CLEARANCE).annotate(
        on=TruncDate("booking__starts_at", tzinfo=clinic.tz)
    )
    covering = Clearance.objects.filter(
        client=OuterRef("booking__client"), code=OuterRef("code"), issued_on__lte=OuterRef("on")
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=OuterRef("on")))
    return flags.filter(~Exists(covering))


def _with_attention(sessions: QuerySet[Booking], clinic: Clinic) -> QuerySet[Booking]:
    """Each session with ``needs_clearance`` and ``on_red_flag_hold`` (a block flag, or a hold
    from a red-flag answer at check-in that nobody resolved yet)."""
    blocked = open_flags_of(OuterRef("pk"), Severity.BLOCK)
    held = SessionHold.objects.filter(booking=OuterRef("pk"), resolved_at__isnull=True)
    return sessions.annotate(
        needs_clearance=Exists(uncovered_clearance_flags(clinic)),
        on_red_flag_hold=Exists(blocked) | Exists(held),
    )


def _booked_at(clinic: Clinic) -> QuerySet[Booking]:
    return Booking.objects.filter(slot__therapist__clinic=clinic, status=Booking.Status.BOOKED)


def _upcoming(clinic: Clinic) -> QuerySet[Booking]:
    return _with_attention(_booked_at(clinic).filter(ends_at__gt=timezone.now()), clinic)


def sessions_needing_clearance(clinic: Clinic) -> QuerySet[Booking]:
    """Upcoming sessions whose clearance nobody has recorded yet, soonest first."""
    return (
        _upcoming(clinic)
        .filter(needs_clearance=True)
        .select_related("client", "slot__therapist")
        .order_by("starts_at")
    )


def sessions_on_red_flag_hold(clinic: Clinic) -> QuerySet[Booking]:
    """Upcoming sessions a red-flag answer stops, soonest first."""
    return (
        _upcoming(clinic)
        .filter(on_red_flag_hold=True)
        .select_related("client", "slot__therapist")
        .order_by("starts_at")
    )


def failed_messages(clinic: Clinic) -> QuerySet[Reminder]:
    """Messages about the clinic's upcoming sessions that could not be sent."""
    return Reminder.objects.filter(
        booking__slot__therapist__clinic=clinic,
        booking__starts_at__gte=timezone.now(),
        status=Reminder.Status.FAILED,
    )


@dataclass(frozen=True)
class Today:
    sessions_today: int
    clearances_outstanding: int
    unmarked_sessions: int
    failed_messages: int
    red_flag_holds: int


def today_at(clinic: Clinic) -> Today:
    """The five counts the clinic's dashboard opens on, in two queries."""
    now = timezone.now()
    begins, ends = clinic.day_bounds(clinic.today())
    upcoming = Q(ends_at__gt=now)
    counts = _with_attention(_booked_at(clinic), clinic).aggregate(
        sessions_today=Count("pk", filter=Q(starts_at__gte=begins, starts_at__lt=ends)),
        clearances_outstanding=Count("pk", filter=upcoming & Q(needs_clearance=True)),
        # The front desk's unmarked list: ended, and nobody said attended or no-show.
        unmarked_sessions=Count("pk", filter=Q(ends_at__lte=now, attendance="")),
        red_flag_holds=Count("pk", filter=upcoming & Q(on_red_flag_hold=True)),
    )
    return Today(failed_messages=failed_messages(clinic).count(), **counts)
