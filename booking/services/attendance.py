"""How each session ended: attended, no-show or cancelled late, marked by the clinic's staff."""

from django.utils import timezone

from accounts.models import User
from booking.models import Booking
from booking.services.bookings import (
    audit_for_client,
    can_change_online,
    check_staff_may_act,
    describe,
    lock_booking,
    mark_cancelled,
)
from booking.services.errors import AttendanceError, Busy
from booking.services.locking import short_lock_wait
from booking.services.notices import notify_cancelled
from booking.services.start_checks import reasons_not_to_start
from safety.models import AuditEntry

OUTCOMES = set(Booking.Attendance.values)


@short_lock_wait(Busy)
def mark_attendance(*, booking: Booking, outcome: str, marked_by: User) -> Booking:
    """Record how the session ended; the therapist of the slot or a clinic admin marks it.

    Attended and no-show are marked once the session has started and may be corrected
    (a mistaken tap) until then. Cancelled late frees the slot, stops its reminders and,
    for a session still ahead, tells her, so it can't be undone from here.
    """
    if outcome not in OUTCOMES:
        raise AttendanceError("Choose attended, no-show or cancelled late.")
    booking = lock_booking(booking.pk)
    check_staff_may_act(staff=marked_by, therapist=booking.slot.therapist, client=booking.client)
    if not booking.is_active:
        raise AttendanceError("This session is no longer booked, so it can't be marked.")
    now = timezone.now()
    if outcome == Booking.Attendance.CANCELLED_LATE:
        if can_change_online(booking):
            raise AttendanceError(
                "She is cancelling in good time, so it isn't late: cancel the session instead."
            )
        mark_cancelled(
            booking=booking,
            by=Booking.CancelledBy.CLIENT,
            reason="Cancelled late",
            late_by=marked_by,
        )
        if booking.starts_at > now:
            notify_cancelled([booking], by=Booking.CancelledBy.CLIENT, reason="Cancelled late")
    else:
        if booking.starts_at > now:
            raise AttendanceError("A session can be marked once it has started.")
        # A session on hold (a red flag at check-in) did not go ahead until it is cleared.
        reasons = reasons_not_to_start(booking) if outcome == Booking.Attendance.ATTENDED else []
        if reasons:
            raise AttendanceError(" ".join(reasons))
        booking.attendance = outcome
        booking.attendance_marked_by = marked_by
        booking.attendance_marked_at = now
        booking.save(
            update_fields=[
                "attendance",
                "attendance_marked_by",
                "attendance_marked_at",
                "updated_at",
            ]
        )
    audit_for_client(
        staff=marked_by,
        client=booking.client,
        clinic=booking.slot.therapist.clinic,
        action=AuditEntry.Action.MARKED_ATTENDANCE,
        detail=f"{Booking.Attendance(outcome).label}: session {describe(booking)}",
    )
    return booking
