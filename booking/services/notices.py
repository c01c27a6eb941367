"""The notices a change to her sessions sends, each written as an outbox row in that change.

Called inside the service's transaction: a rolled-back booking writes no notice, a committed
one always has its notice, and the e-mail itself leaves from a worker (``outbox``), never
from the web request.
"""

from collections import defaultdict
from collections.abc import Sequence

from accounts.models import User
from booking.models import Booking, Plan, PlannedSession, Reminder
from booking.services.outbox import notify
from clinics.models import Clinic


def notify_booked(bookings: Sequence[Booking]) -> Reminder | None:
    """One confirmation for a single session or for every session of a plan."""
    if not bookings:
        return None
    first = min(bookings, key=lambda booking: booking.starts_at)
    return notify(
        kind=Reminder.Notice.BOOKED,
        recipient=first.client,
        booking=first,
        payload={"booking_ids": [booking.pk for booking in bookings]},
    )


def notify_moved(*, old: Booking, new: Booking) -> Reminder:
    return notify(
        kind=Reminder.Notice.MOVED, recipient=new.client, booking=new, payload={"old_id": old.pk}
    )


def notify_cancelled(bookings: Sequence[Booking], *, by: str, reason: str = "") -> Reminder | None:
    """One e-mail for the sessions cancelled together (``by`` is a ``Booking.CancelledBy``)."""
    if not bookings:
        return None
    first = min(bookings, key=lambda booking: booking.starts_at)
    return notify(
        kind=Reminder.Notice.CANCELLED,
        recipient=first.client,
        booking=first,
        payload={"booking_ids": [booking.pk for booking in bookings], "by": by, "reason": reason},
    )


def notify_session_blocked(booking: Booking) -> list[Reminder]:
    """She and her therapist learn that a booked session cannot go ahead as it stands."""
    return [
        notify(kind=Reminder.Notice.SESSION_BLOCKED, recipient=booking.client, booking=booking),
        notify(
            kind=Reminder.Notice.SESSION_BLOCKED_THERAPIST,
            recipient=booking.slot.therapist.user,
            booking=booking,
        ),
    ]


def notify_plan_run(
    *, client: User, booked: Sequence[Booking], missed: Sequence[PlannedSession]
) -> Reminder | None:
    """One message for a rolling plan's run: the dates it booked and those it could not."""
    if not booked and not missed:
        return None
    return notify(
        kind=Reminder.Notice.PLAN_RUN,
        recipient=client,
        booking=min(booked, key=lambda booking: booking.starts_at) if booked else None,
        payload={
            "booking_ids": [booking.pk for booking in booked],
            "missed_ids": [planned.pk for planned in missed],
        },
    )


def notify_due_date_moved(
    *,
    client: User,
    cancelled: Sequence[Booking],
    shortened: Sequence[Plan],
    extendable: Sequence[Plan],
) -> Reminder:
    """Her plans followed her moved due date: what was cancelled, what she may add."""
    return notify(
        kind=Reminder.Notice.DUE_DATE_MOVED,
        recipient=client,
        payload={
            "cancelled_ids": [booking.pk for booking in cancelled],
            "plan_ids": [plan.pk for plan in shortened],
            "extendable_ids": [plan.pk for plan in extendable],
        },
    )


def notify_baby_arrived(*, client: User, cancelled: Sequence[Booking]) -> list[Reminder]:
    """Her message, and one to each admin of a clinic concerned and each therapist concerned.

    Staff hear only of their own clinic's cancelled sessions; a clinic none of whose sessions
    were cancelled has nothing to act on and is not told.
    """
    booking_ids = [booking.pk for booking in cancelled]
    rows = [
        notify(
            kind=Reminder.Notice.BABY_ARRIVED,
            recipient=client,
            payload={"booking_ids": booking_ids},
        )
    ]
    by_clinic: dict[int, list[Booking]] = defaultdict(list)
    for booking in cancelled:
        by_clinic[booking.slot.therapist.clinic_id].append(booking)
    for clinic in Clinic.objects.filter(pk__in=by_clinic).prefetch_related("admins"):
        bookings = by_clinic[clinic.pk]
        recipients = {user.pk: user for user in clinic.admins.all()}
        for booking in bookings:
            recipients.setdefault(booking.slot.therapist.user_id, booking.slot.therapist.user)
        payload = {
            "client_id": client.pk,
            "clinic_id": clinic.pk,
            "booking_ids": [booking.pk for booking in bookings],
        }
        rows += [
            notify(kind=Reminder.Notice.BABY_ARRIVED_STAFF, recipient=user, payload=payload)
            for user in recipients.values()
        ]
    return rows


def notify_clinics_sessions_on_hold(bookings: Sequence[Booking]) -> list[Reminder]:
    """One e-mail to each clinic listing her sessions there that a red-flag answer put on hold.

    The row's recipient is she whom it is about (so it goes with her data); it is addressed to
    the clinic's own e-mail address (``booking.emails``).
    """
    by_clinic: dict[int, list[Booking]] = {}
    for booking in sorted(bookings, key=lambda booking: booking.starts_at):
        by_clinic.setdefault(booking.slot.therapist.clinic_id, []).append(booking)
    return [
        notify(
            kind=Reminder.Notice.SESSIONS_ON_HOLD_CLINIC,
            recipient=held[0].client,
            booking=held[0],
            payload={"booking_ids": [booking.pk for booking in held], "clinic_id": clinic_id},
        )
        for clinic_id, held in by_clinic.items()
    ]
