"""Read-only queries of the front desk: finding a caller, a day's sessions, unmarked ones."""

import datetime as dt
import re

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils import timezone

from accounts.models import User
from booking import queries as booking_queries
from booking.models import Booking
from clinics.models import Clinic, Therapist

SEARCH_LIMIT = 20
# Matching a phone number by its last digits ignores how it was typed: "+44 7400 900123",
# "07400 900123" and "7400900123" are the same number.
PHONE_TAIL_DIGITS = 9


def phone_digits():
    """Her phone number with spaces, dashes, brackets and the plus sign taken out."""
    expression = F("pregnancy_profile__phone")
    for character in (" ", "-", "(", ")", "+", "."):
        expression = Replace(expression, Value(character), Value(""))
    return expression


def visible_clients(*, clinic: Clinic, therapist: Therapist | None = None) -> QuerySet[User]:
    """The clinic's clients for its admins; a therapist's own clients for her."""
    if therapist is not None:
        return booking_queries.therapist_clients(therapist=therapist)
    return booking_queries.clinic_clients(clinic=clinic)


def search_clients(*, clinic: Clinic, query: str, therapist: Therapist | None = None) -> list[User]:
    """Clients matching a name, an e-mail address or a phone number (see visible_clients)."""
    query = " ".join(query.split())
    if not query:
        return []
    condition = Q(email__icontains=query)
    for word in query.split(" "):
        condition |= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    if " " in query:
        first, _, last = query.partition(" ")
        condition |= Q(first_name__icontains=first, last_name__icontains=last)
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 5:
        condition |= Q(phone_digits__endswith=digits[-PHONE_TAIL_DIGITS:])
    return list(
        visible_clients(clinic=clinic, therapist=therapist)
        .annotate(phone_digits=phone_digits())
        .filter(condition)
        .select_related("pregnancy_profile")
        .order_by("first_name", "last_name", "email")[:SEARCH_LIMIT]
    )


def clinic_client(
    *, clinic: Clinic, client_id: int, therapist: Therapist | None = None
) -> User | None:
    return (
        visible_clients(clinic=clinic, therapist=therapist)
        .select_related("pregnancy_profile")
        .filter(pk=client_id)
        .first()
    )


def client_sessions(
    *, clinic: Clinic, client: User, therapist: Therapist | None = None
) -> QuerySet[Booking]:
    """Her sessions at the clinic (a therapist: in her slots), newest first, with flags."""
    sessions = Booking.objects.filter(client=client, slot__therapist__clinic=clinic)
    if therapist is not None:
        sessions = sessions.filter(slot__therapist=therapist)
    return (
        sessions.select_related("slot__therapist", "plan", "booked_by")
        .prefetch_related(booking_queries.open_flags())
        .order_by("-starts_at")
    )


def day_sessions(
    *, clinic: Clinic, day: dt.date, therapist: Therapist | None = None
) -> QuerySet[Booking]:
    """A clinic-local day's booked sessions (and those cancelled late), earliest first."""
    start, end = clinic.day_bounds(day)
    sessions = Booking.objects.filter(
        Q(status=Booking.Status.BOOKED) | Q(attendance=Booking.Attendance.CANCELLED_LATE),
        slot__therapist__clinic=clinic,
        starts_at__gte=start,
        starts_at__lt=end,
    )
    if therapist is not None:
        sessions = sessions.filter(slot__therapist=therapist)
    return (
        sessions.select_related("client__pregnancy_profile", "slot__therapist")
        .prefetch_related(booking_queries.open_flags())
        .order_by("starts_at", "slot__therapist__display_name")
    )


def unmarked_sessions(*, clinic: Clinic, therapist: Therapist | None = None) -> QuerySet[Booking]:
    """Booked sessions that have ended and that nobody marked attended or no-show."""
    sessions = Booking.objects.filter(
        slot__therapist__clinic=clinic,
        status=Booking.Status.BOOKED,
        attendance="",
        ends_at__lte=timezone.now(),
    )
    if therapist is not None:
        sessions = sessions.filter(slot__therapist=therapist)
    return sessions.select_related("client", "slot__therapist").order_by("-starts_at")
