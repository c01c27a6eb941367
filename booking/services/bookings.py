"""Booking, cancelling and moving single sessions.

Every operation runs in one transaction and locks the rows it contends for (the slot, the
booking) with ``SELECT … FOR UPDATE``, so two people racing for one time are served one after
the other. PostgreSQL's constraints (one active booking per slot, no overlapping sessions of one
client) are the last word; their violation becomes a friendly ``SlotUnavailable``.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from booking import queries, signals
from booking.calendar import event_uid
from booking.models import Booking, Plan, Slot, held_for_plans
from booking.services.changes import can_change_online, in_change_grace, notice_deadline
from booking.services.errors import (
    BookingError,
    Busy,
    CancellationTooLate,
    NoShowLimitReached,
    NotAllowed,
    OverlappingBooking,
    ProfileIncomplete,
    SafetyBlocked,
    SameDaySession,
    SlotUnavailable,
)
from booking.services.flags import write_flags
from booking.services.locking import short_lock_wait
from booking.services.notices import notify_booked, notify_cancelled, notify_moved
from booking.services.reminders import cancel_reminders, schedule_reminders
from clinics.models import Clinic, Therapist
from safety import services as safety_services
from safety.models import AuditEntry

CLIENT_OVERLAP_CONSTRAINT = "booking_no_overlap_per_client"
# Just booked, changed her mind: for this long she may cancel or move whatever the notice.
CHANGE_GRACE = dt.timedelta(minutes=15)
HELD_FOR_A_PLAN = "That time is kept for a client's weekly plan."


def ensure_ready_to_book(client: User) -> None:
    if not safety_services.client_ready_to_book(client):
        raise ProfileIncomplete()


def safety_block_message(findings, clinic: Clinic, *, for_staff: bool = False) -> str:
    if for_staff:
        reasons = " ".join(f"{finding.title}: {finding.instruction}" for finding in findings)
        return f"This session can't be booked. {reasons}".strip()
    reasons = " ".join(
        finding.client_message or f"{finding.title}." for finding in findings
    ).strip()
    return (
        f"We can't book this session online. {reasons} "
        f"Please speak to your midwife or doctor first, or call {clinic.name} on {clinic.phone}."
    )


# --- Staff acting for her ---------------------------------------------------------------


def is_clinic_admin(user: User, clinic: Clinic) -> bool:
    return clinic.admins.filter(pk=user.pk).exists()


def check_staff_may_act(*, staff: User, therapist: Therapist, client: User) -> bool:
    """Admins of the therapist's clinic (and the operator), and the therapist for her own
    slots, act for the clinic's clients; anyone else gets ``NotAllowed``. Returns whether
    ``staff`` is an admin of the clinic: only they may book against a recorded clearance.
    """
    clinic = therapist.clinic
    admin = is_clinic_admin(staff, clinic)
    if admin or staff.is_superuser:
        clients = queries.clinic_clients(clinic=clinic)
    elif therapist.user_id == staff.pk:
        clients = queries.therapist_clients(therapist=therapist)
    else:
        raise NotAllowed("You can only book, move or cancel sessions in your own slots.")
    if not clients.filter(pk=client.pk).exists():
        raise NotAllowed("She isn't one of your clients at this clinic.")
    return admin


def check_no_show_policy(*, client: User, clinic: Clinic) -> None:
    """Online booking stops at the clinic's no-show limit; she is asked to call instead."""
    if clinic.no_show_limit is None:
        return
    no_shows = Booking.objects.filter(
        client=client, slot__therapist__clinic=clinic, attendance=Booking.Attendance.NO_SHOW
    ).count()
    if no_shows >= clinic.no_show_limit:
        raise NoShowLimitReached(
            f"After {no_shows} missed sessions we can only book you by phone. "
            f"Please call {clinic.name} on {clinic.phone}."
        )


def audit_for_client(*, staff: User, client: User, clinic: Clinic, action: str, detail: str):
    safety_services.log_audit(
        actor=staff, client=client, clinic=clinic, action=action, detail=detail
    )


def describe(booking: Booking) -> str:
    """How the audit trail names a session: clinic-local time and therapist."""
    clinic = booking.slot.therapist.clinic
    local = timezone.localtime(booking.starts_at, clinic.tz)
    return f"{local:%Y-%m-%d %H:%M} with {booking.slot.therapist.display_name}"


def her_answers(client: User) -> safety_services.HerAnswers:
    """Her profile and answers, once for a plan's many dates."""
    try:
        return safety_services.her_answers(client)
    except safety_services.ProfileMissing as error:
        raise ProfileIncomplete() from error


def check_safety_findings(
    *, client: User, clinic: Clinic, on: dt.date, answers: safety_services.HerAnswers | None = None
) -> list:
    """Her findings on ``on``, with the safety app's errors turned into booking errors."""
    try:
        findings = safety_services.findings_for(
            client=client, clinic=clinic, on=on, answers=answers
        )
    except safety_services.ProfileMissing as error:
        raise ProfileIncomplete() from error
    except safety_services.SafetyError as error:
        raise BookingError(str(error)) from error
    return findings


def stopping_blocks(
    findings, *, client: User, on: dt.date, may_clear: bool = False, clearances=None
) -> list:
    """The ``block`` findings that stop a booking; with ``may_clear`` (a clinic admin booking
    for her) a block the rule table lets the clinic book against a clearance is lifted when
    a recorded clearance covers ``on``. ``clearances`` are her
    ``safety_services.phone_booking_clearances``, when a plan has read them once already.
    """
    blocks = [finding for finding in findings if finding.severity == "block"]
    if blocks and may_clear:
        blocks = safety_services.uncleared_blocks(
            client=client, blocks=blocks, on=on, clearances=clearances
        )
    return blocks


def check_safety(
    *,
    client: User,
    clinic: Clinic,
    on: dt.date,
    for_staff: bool = False,
    may_clear: bool = False,
    answers: safety_services.HerAnswers | None = None,
) -> list:
    """The findings for her on ``on``; a ``block`` among them stops the booking."""
    findings = check_safety_findings(client=client, clinic=clinic, on=on, answers=answers)
    check_no_block(
        findings, client=client, clinic=clinic, on=on, for_staff=for_staff, may_clear=may_clear
    )
    return findings


def check_no_block(
    findings,
    *,
    client: User,
    clinic: Clinic,
    on: dt.date,
    for_staff: bool,
    may_clear: bool,
    clearances=None,
) -> None:
    """A ``block`` among her findings on ``on`` stops the booking, saying why."""
    blocks = stopping_blocks(
        findings, client=client, on=on, may_clear=may_clear, clearances=clearances
    )
    if blocks:
        raise SafetyBlocked(
            safety_block_message(blocks, clinic, for_staff=for_staff), findings=blocks
        )


def lock_slot(slot_id: int) -> Slot:
    """Lock the slot row until the transaction ends; concurrent bookers queue here."""
    return (
        Slot.objects.select_for_update(of=("self",))
        .select_related("therapist__clinic")
        .get(pk=slot_id)
    )


def plan_horizon_end(clinic: Clinic) -> dt.datetime:
    """Where a plan's own dates open: the end of the last day the hourly layout lays out.

    The public's horizon runs by the hour (now + N weeks); a plan's dates open by the day, so
    the layout that lays out a day books the plan's sessions on it before anyone else can.
    """
    last_day = clinic.today() + dt.timedelta(weeks=clinic.booking_horizon_weeks)
    return clinic.day_bounds(last_day)[1]


def booking_opens_until(clinic: Clinic, *, now: dt.datetime | None = None) -> dt.datetime:
    """The earliest start a client may book now, by the clinic's minimum notice to book."""
    return (now or timezone.now()) + dt.timedelta(hours=clinic.booking_notice_hours)


def check_slot_bookable(slot: Slot, *, plan: Plan | None = None, for_staff: bool = False) -> None:
    """Call with the slot locked: it must be open, ahead, inside the horizon and not booked.

    A time held for a plan's planned session is bookable only by that plan. The minimum
    notice to book binds her online booking; staff may book her in sooner.
    """
    check_slot_open(slot, plan=plan, for_staff=for_staff)
    if slot.bookings.filter(status=Booking.Status.BOOKED).exists():
        raise SlotUnavailable()
    holders = held_for_plans().filter(plan__therapist=slot.therapist_id, starts_at=slot.starts_at)
    if plan is not None:
        holders = holders.exclude(plan=plan)
    if holders.exists():
        raise SlotUnavailable(HELD_FOR_A_PLAN)


def check_slot_open(
    slot: Slot,
    *,
    plan: Plan | None = None,
    for_staff: bool = False,
    now: dt.datetime | None = None,
) -> None:
    """What the slot row itself says: open, ahead, past the notice and inside the horizon."""
    clinic = slot.therapist.clinic
    now = now or timezone.now()
    if slot.status != Slot.Status.OPEN or not slot.therapist.is_active:
        raise SlotUnavailable("That time is not open for booking.")
    if slot.starts_at <= now:
        raise SlotUnavailable("That time has already passed.")
    if not for_staff and slot.starts_at < booking_opens_until(clinic, now=now):
        raise SlotUnavailable(
            f"{clinic.name} takes bookings at least {clinic.booking_notice_hours} hours ahead. "
            "Please choose a later time."
        )
    horizon = (
        plan_horizon_end(clinic)
        if plan is not None
        else now + dt.timedelta(weeks=clinic.booking_horizon_weeks)
    )
    if slot.starts_at > horizon:
        raise SlotUnavailable("That time is not open for booking yet.")


def check_no_overlap(*, client: User, slot: Slot, ignore: Booking | None = None) -> None:
    overlapping = Booking.objects.filter(
        client=client,
        status=Booking.Status.BOOKED,
        starts_at__lt=slot.ends_at,
        ends_at__gt=slot.starts_at,
    )
    if ignore is not None:
        overlapping = overlapping.exclude(pk=ignore.pk)
    if overlapping.exists():
        raise OverlappingBooking()


def check_one_session_a_day(*, client: User, slot: Slot, ignore: Booking | None = None) -> None:
    """At most one session on a clinic-local day, as a plan's rest days already ensure."""
    clinic = slot.therapist.clinic
    day = clinic.local_date(slot.starts_at)
    begins, ends = clinic.day_bounds(day)
    same_day = Booking.objects.filter(
        client=client, status=Booking.Status.BOOKED, starts_at__gte=begins, starts_at__lt=ends
    )
    if ignore is not None:
        same_day = same_day.exclude(pk=ignore.pk)
    if same_day.exists():
        raise same_day_session(day)


def same_day_session(day: dt.date) -> SameDaySession:
    return SameDaySession(
        f"You already have a session on {day:%A} {day.day} {day:%B}. One massage a day is "
        "the most we book: please choose another day."
    )


def refused_insert(error: IntegrityError) -> BookingError:
    """What a constraint's refusal of a booking means for her: her own overlapping session,
    or someone who got the time first."""
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "")
    if constraint == CLIENT_OVERLAP_CONSTRAINT:
        return OverlappingBooking()
    return SlotUnavailable()


def create_booking(
    *,
    client: User,
    slot: Slot,
    plan=None,
    change_grace_until: dt.datetime | None = None,
    replaces: Booking | None = None,
    booked_by: User | None = None,
    answers: safety_services.HerAnswers | None = None,
) -> Booking:
    """Write the booking, its safety flags and its reminders; the slot must be locked.

    ``answers`` are hers as read in this transaction (a plan books many sessions at once).

    The insert runs in a savepoint so a constraint violation (a racer who got there first,
    or an overlapping session of hers) leaves the outer transaction usable.
    """
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                client=client,
                slot=slot,
                plan=plan,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                booked_by=booked_by,
                change_grace_until=change_grace_until or timezone.now() + CHANGE_GRACE,
                # A moved session is the same event in her calendar, one version newer.
                calendar_uid=event_uid(replaces) if replaces else "",
                calendar_sequence=replaces.calendar_sequence + 1 if replaces else 0,
            )
    except IntegrityError as error:
        raise refused_insert(error) from error
    booking.slot = slot
    write_flags(booking=booking, answers=answers)
    schedule_reminders(booking=booking)
    return booking


@short_lock_wait(Busy)
def book_slot(
    *, client: User, slot: Slot, plan: Plan | None = None, booked_by: User | None = None
) -> Booking:
    """The booking service without its notice: lock, checks, safety at the session's date.

    ``plan`` books the slot as that plan's session (the rolling plans' path); the caller
    then writes one notice for everything it booked. ``booked_by`` is the staff member
    booking for her (by phone, at the desk): the same checks apply, except the clinic's
    no-show limit, and a clinic admin may book against a recorded clearance where the rule
    table allows it. The audit trail names who did it.
    """
    ensure_ready_to_book(client)
    slot = lock_slot(slot.pk)
    clinic = slot.therapist.clinic
    staff = booked_by if booked_by is not None and booked_by.pk != client.pk else None
    may_clear = False
    if staff is not None:
        may_clear = check_staff_may_act(staff=staff, therapist=slot.therapist, client=client)
    elif plan is None:
        # A plan's later dates were accepted with the plan; the limit applies to new bookings.
        check_no_show_policy(client=client, clinic=clinic)
    check_slot_bookable(slot, plan=plan, for_staff=staff is not None)
    check_no_overlap(client=client, slot=slot)
    check_one_session_a_day(client=client, slot=slot)
    check_safety(
        client=client,
        clinic=clinic,
        on=clinic.local_date(slot.starts_at),
        for_staff=staff is not None,
        may_clear=may_clear,
    )
    booking = create_booking(client=client, slot=slot, plan=plan, booked_by=staff)
    if staff is not None:
        audit_for_client(
            staff=staff,
            client=client,
            clinic=clinic,
            action=AuditEntry.Action.BOOKED_FOR_CLIENT,
            detail=f"Session {describe(booking)}",
        )
    return booking


@short_lock_wait(Busy)
def book_session(*, client: User, slot: Slot, booked_by: User | None = None) -> Booking:
    """Book ``slot`` for ``client`` in one transaction: safety, flags, reminders, notice."""
    booking = book_slot(client=client, slot=slot, booked_by=booked_by)
    notify_booked([booking])
    signals.session_booked.send(sender=Booking, booking=booking)
    return booking


def lock_booking(booking_id: int) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("slot__therapist__clinic", "client")
        .get(pk=booking_id)
    )


def check_notice(booking: Booking) -> None:
    now = timezone.now()
    if now >= notice_deadline(booking) and not in_change_grace(booking, now):
        clinic = booking.slot.therapist.clinic
        raise CancellationTooLate(
            f"This session is less than {clinic.cancellation_notice_hours} hours away, so it "
            f"can't be changed online. Please call {clinic.name} on {clinic.phone}."
        )


def mark_cancelled(
    *, booking: Booking, by: str, reason: str, late_by: User | None = None
) -> Booking:
    """Cancel a locked, active booking and its reminders (no e-mail: callers send one).

    ``late_by``: the staff member recording that she cancelled inside the notice period.
    """
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.cancelled_by = by
    booking.cancel_reason = reason[:200]
    booking.calendar_sequence += 1
    fields = [
        "status",
        "cancelled_at",
        "cancelled_by",
        "cancel_reason",
        "calendar_sequence",
        "updated_at",
    ]
    if late_by is not None:
        booking.attendance = Booking.Attendance.CANCELLED_LATE
        booking.attendance_marked_by = late_by
        booking.attendance_marked_at = booking.cancelled_at
        fields += ["attendance", "attendance_marked_by", "attendance_marked_at"]
    booking.save(update_fields=fields)
    cancel_reminders(booking=booking)
    signals.slots_freed.send(sender=Booking, slot_ids=[booking.slot_id])
    return booking


def cancel_without_notice(*, booking_ids, by: str, reason: str) -> list[Booking]:
    """Cancel these sessions whatever the notice period (her pregnancy changed, not her mind).

    Each is locked first; one cancelled meanwhile (by the clinic) keeps its own reason. No
    notice: the caller writes one for all of them.
    """
    cancelled = []
    for booking_id in booking_ids:
        booking = lock_booking(booking_id)
        if booking.is_active:
            cancelled.append(mark_cancelled(booking=booking, by=by, reason=reason))
    return cancelled


@short_lock_wait(Busy)
def cancel_booking(
    *,
    booking: Booking,
    by: str,
    reason: str = "",
    enforce_notice: bool = True,
    cancelled_by: User | None = None,
) -> Booking:
    """Cancel one session (``by`` is a ``Booking.CancelledBy``), its reminders, and tell her.

    ``cancelled_by`` is the staff member cancelling for her or for the clinic: the notice
    period does not stop staff, but her own cancellation inside it counts as cancelled late.
    """
    booking = lock_booking(booking.pk)
    if not booking.is_active:
        raise BookingError("This session is no longer booked.")
    late_by = None
    if cancelled_by is not None:
        check_staff_may_act(
            staff=cancelled_by, therapist=booking.slot.therapist, client=booking.client
        )
        if by == Booking.CancelledBy.CLIENT and not can_change_online(booking):
            late_by = cancelled_by
    elif enforce_notice:
        check_notice(booking)
    mark_cancelled(booking=booking, by=by, reason=reason, late_by=late_by)
    if cancelled_by is not None:
        audit_for_client(
            staff=cancelled_by,
            client=booking.client,
            clinic=booking.slot.therapist.clinic,
            action=AuditEntry.Action.CANCELLED_FOR_CLIENT,
            detail=f"Session {describe(booking)}{' (late)' if late_by else ''}",
        )
    notify_cancelled([booking], by=by, reason=reason)
    return booking


@short_lock_wait(Busy)
def move_booking(*, booking: Booking, new_slot: Slot, booked_by: User | None = None) -> Booking:
    """Move a session to ``new_slot`` in one step; the old slot is freed only if this succeeds.

    The old booking is marked ``moved`` before the new one is written (her two sessions may
    overlap, which the client exclusion constraint would refuse otherwise); any failure
    rolls the whole transaction back, so she keeps her old time. ``booked_by`` is the staff
    member moving it for her: the notice period does not stop staff, safety does.
    """
    old = lock_booking(booking.pk)
    if not old.is_active:
        raise BookingError("This session is no longer booked.")
    staff = booked_by if booked_by is not None and booked_by.pk != old.client_id else None
    if staff is None:
        check_notice(old)
    else:
        check_staff_may_act(staff=staff, therapist=old.slot.therapist, client=old.client)
    if new_slot.pk == old.slot_id:
        raise BookingError("That is already the time of this session.")
    slot = lock_slot(new_slot.pk)
    clinic = slot.therapist.clinic
    if clinic.pk != old.slot.therapist.clinic_id:
        raise BookingError("A session can only move to another time at the same clinic.")
    may_clear = False
    if staff is not None:
        may_clear = check_staff_may_act(staff=staff, therapist=slot.therapist, client=old.client)
    check_slot_bookable(slot, for_staff=staff is not None)
    check_no_overlap(client=old.client, slot=slot, ignore=old)
    check_one_session_a_day(client=old.client, slot=slot, ignore=old)
    check_safety(
        client=old.client,
        clinic=clinic,
        on=clinic.local_date(slot.starts_at),
        for_staff=staff is not None,
        may_clear=may_clear,
    )
    old.status = Booking.Status.MOVED
    old.save(update_fields=["status", "updated_at"])
    signals.slots_freed.send(sender=Booking, slot_ids=[old.slot_id])
    # The grace runs from her first booking: moving does not start a new one.
    new = create_booking(
        client=old.client,
        slot=slot,
        plan=old.plan,
        change_grace_until=old.change_grace_until or timezone.now(),
        replaces=old,
        booked_by=staff,
    )
    old.moved_to = new
    old.save(update_fields=["moved_to", "updated_at"])
    cancel_reminders(booking=old)
    if staff is not None:
        audit_for_client(
            staff=staff,
            client=old.client,
            clinic=clinic,
            action=AuditEntry.Action.MOVED_FOR_CLIENT,
            detail=f"Session {describe(old)} moved to {describe(new)}",
        )
    notify_moved(old=old, new=new)
    return new
