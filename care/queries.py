"""Read-only queries of check-ins and notes shared by pages, each in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from accounts.models import User
from booking.models import Booking, Plan
from care.models import CheckIn, SessionHold, TreatmentNote
from clinics.models import Clinic
from safety.dating import GestationalAge, gestational_age_or_none


def with_care_state(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Each session with ``checked_in`` and ``on_hold``, in the same query."""
    return bookings.annotate(
        checked_in=Exists(CheckIn.objects.filter(booking=OuterRef("pk"))),
        on_hold=Exists(
            SessionHold.objects.filter(booking=OuterRef("pk"), resolved_at__isnull=True)
        ),
    )


def _notes_newest_first() -> Prefetch:
    return Prefetch(
        "treatment_notes",
        queryset=TreatmentNote.objects.order_by("-version"),
        to_attr="notes_newest_first",
    )


def _with_care(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    # Only what a point needs: a 26-session plan otherwise loads 26 users, clinics and slots
    # in full.
    return (
        bookings.select_related("checkin", "client__pregnancy_profile", "slot__therapist__clinic")
        .only(
            "starts_at",
            "client__pregnancy_profile__due_date",
            "slot__therapist__clinic__time_zone",
            "checkin__pain",
        )
        .prefetch_related(_notes_newest_first())
        .order_by("starts_at")
    )


@dataclass(frozen=True)
class ProgressPoint:
    """One session on her progress chart: pain before (check-in) and after (note)."""

    booking: Booking
    on: dt.date
    gestational_age: GestationalAge | None
    pain_before: int | None
    pain_after: int | None
    note: TreatmentNote | None

    @property
    def week_label(self) -> str:
        return f"{self.gestational_age.weeks}w" if self.gestational_age else "–"

    # Formatted here rather than by the date filter: a long plan shows dozens of them.
    @property
    def short_date(self) -> str:
        return f"{self.on.day}/{self.on.month}"

    @property
    def long_date(self) -> str:
        return f"{self.on:%a} {self.on.day} {self.on:%b %Y}"


def progress_points(bookings) -> list[ProgressPoint]:
    """Points for bookings loaded through ``_with_care`` (no further queries)."""
    points = []
    for booking in bookings:
        on = booking.slot.therapist.clinic.local_date(booking.starts_at)
        profile = getattr(booking.client, "pregnancy_profile", None)
        checkin = getattr(booking, "checkin", None)
        note = booking.notes_newest_first[0] if booking.notes_newest_first else None
        points.append(
            ProgressPoint(
                booking=booking,
                on=on,
                gestational_age=gestational_age_or_none(profile.due_date, on) if profile else None,
                pain_before=checkin.pain if checkin else None,
                pain_after=note.pain_after if note else None,
                note=note,
            )
        )
    return points


def plan_progress(*, plan: Plan) -> list[ProgressPoint]:
    """Every booked session of her plan, past and coming."""
    return progress_points(
        _with_care(Booking.objects.filter(plan=plan, status=Booking.Status.BOOKED))
    )


def clinic_progress(*, client: User, clinic: Clinic) -> list[ProgressPoint]:
    """Her booked sessions at one clinic: what its staff may see, never another clinic's."""
    return progress_points(
        _with_care(
            Booking.objects.filter(
                client=client, slot__therapist__clinic=clinic, status=Booking.Status.BOOKED
            )
        )
    )


def recent_sessions(*, booking: Booking, count: int = 3) -> list[ProgressPoint]:
    """Her last ``count`` sessions at this clinic before ``booking``, newest first."""
    earlier = _with_care(
        Booking.objects.filter(
            client=booking.client_id,
            slot__therapist__clinic=booking.slot.therapist.clinic_id,
            status=Booking.Status.BOOKED,
            starts_at__lt=booking.starts_at,
        )
    ).order_by("-starts_at")[:count]
    return progress_points(earlier)
