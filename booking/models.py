"""Appointment slots, bookings, weekly plans and the outbox of every outgoing message."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone


class SlotQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Slot.Status.OPEN)

    def free(self):
        """Open slots in the future with no active booking and not held for a plan."""
        return (
            self.open()
            .filter(starts_at__gt=timezone.now())
            .exclude(
                Exists(Booking.objects.filter(slot=OuterRef("pk"), status=Booking.Status.BOOKED))
            )
            .exclude(
                Exists(
                    held_for_plans().filter(
                        starts_at=OuterRef("starts_at"), plan__therapist=OuterRef("therapist")
                    )
                )
            )
        )


def held_for_plans() -> models.QuerySet:
    """Planned sessions still waiting for their date to open: their times are held for them."""
    return PlannedSession.objects.filter(status=PlannedSession.Status.PLANNED)


class Slot(models.Model):
    """One bookable hour of one therapist, stored in UTC.

    On PostgreSQL an exclusion constraint (migration 0002) makes two overlapping slots of
    one therapist impossible.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        BLOCKED = "blocked", "Blocked"

    # No index of its own: ``one_slot_per_therapist_start`` leads with the therapist and serves
    # her lookups; a second, narrower index drew the planner to read all her slots and then
    # filter them by time.
    therapist = models.ForeignKey(
        "clinics.Therapist", on_delete=models.CASCADE, related_name="slots", db_index=False
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    block_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "therapist"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["therapist", "starts_at"], name="one_slot_per_therapist_start"
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at", "status"], name="slot_start_status"),
            # The slot picker scans a window of open slots; blocked ones never match it.
            models.Index(fields=["starts_at"], condition=Q(status="open"), name="slot_open_start"),
        ]

    def __str__(self):
        return f"{self.therapist} {self.starts_at:%Y-%m-%d %H:%M} UTC"


class Plan(models.Model):
    """A weekly plan: the same therapist once or twice a week up to the due date."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CANCELLED = "cancelled", "Cancelled"
        ENDED = "ended", "Ended: the baby arrived"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plans"
    )
    therapist = models.ForeignKey(
        "clinics.Therapist", on_delete=models.PROTECT, related_name="plans"
    )
    weekdays = models.JSONField(help_text="Weekday numbers, Monday = 0; one or two of them.")
    local_time = models.TimeField(help_text="Session start in the clinic's time zone.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who booked it for her; empty when she booked it herself.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="plan_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"Plan {self.pk} of {self.client}"


class PlannedSession(models.Model):
    """A plan's date past the booking horizon, booked for her (first) when the horizon gets there.

    While ``planned`` it holds its therapist's time: nobody else can book that slot. The hourly
    slot layout turns it into ``booked`` (with its booking) or ``not_booked`` (with the reason and
    the nearest free alternatives that week), and ``reported_at`` records the one message of
    that run.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        BOOKED = "booked", "Booked"
        NOT_BOOKED = "not_booked", "Could not be booked"
        CANCELLED = "cancelled", "Cancelled"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="planned_sessions")
    on = models.DateField(help_text="The session's date in the clinic's time zone.")
    starts_at = models.DateTimeField(help_text="The plan's local time on that date, in UTC.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    booking = models.OneToOneField(
        "Booking", on_delete=models.SET_NULL, null=True, blank=True, related_name="planned_as"
    )
    reason = models.CharField(max_length=300, blank=True)
    alternative_slot_ids = models.JSONField(default=list, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "on"], name="one_planned_session_per_day"),
        ]
        indexes = [
            # The layout's "due now" scan and the hold check both look at planned rows only.
            models.Index(
                fields=["starts_at"], condition=Q(status="planned"), name="planned_session_due"
            ),
            models.Index(
                fields=["handled_at"],
                condition=Q(reported_at__isnull=True, handled_at__isnull=False),
                name="planned_session_unreported",
            ),
        ]

    def __str__(self):
        return f"Plan {self.plan_id} on {self.on} ({self.status})"


class Booking(models.Model):
    """A client's session in one slot.

    ``starts_at``/``ends_at`` copy the slot's so PostgreSQL can refuse overlapping sessions
    of one client (exclusion constraint, migration 0002). A slot has at most one booking
    in status ``booked``.
    """

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        MOVED = "moved", "Moved"

    class CancelledBy(models.TextChoices):
        CLIENT = "client", "Client"
        CLINIC = "clinic", "Clinic"

    class Attendance(models.TextChoices):
        """How a session ended; empty until someone marks it."""

        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "No-show"
        CANCELLED_LATE = "cancelled_late", "Cancelled late"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings"
    )
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    plan = models.ForeignKey(
        Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="bookings"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    moved_to = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="moved_from"
    )
    flags_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    flags_acknowledged_at = models.DateTimeField(null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who booked it for her; empty when she booked it herself.",
    )
    attendance = models.CharField(max_length=20, choices=Attendance.choices, blank=True)
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    change_grace_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Until then she may cancel or move it online whatever the notice rule: a "
        "change of mind just after booking. A moved session keeps its original grace.",
    )
    calendar_uid = models.CharField(
        max_length=80,
        blank=True,
        help_text="The session's calendar event UID, kept when it moves so calendars update it.",
    )
    calendar_sequence = models.PositiveIntegerField(
        default=0, help_text="Raised with every change, so calendars take the newest copy."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(status="booked"),
                name="one_active_booking_per_slot",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "starts_at"], name="booking_client_start"),
            # Reports and the no-show policy read bookings by session time.
            models.Index(fields=["starts_at"], name="booking_start"),
        ]

    def __str__(self):
        return f"{self.client} at {self.starts_at:%Y-%m-%d %H:%M} UTC ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.BOOKED


class ReminderQuerySet(models.QuerySet):
    def reminders(self):
        """Reminders before a session (24h, 2h, plan_end), without the one-off notices."""
        return self.exclude(kind__in=Reminder.Notice.values)

    def notices(self):
        return self.filter(kind__in=Reminder.Notice.values)


class Reminder(models.Model):
    """Outbox row: one message to send at ``send_at`` on one channel, exactly once.

    Every outgoing message is a row here, written in the transaction of the change it
    announces: the reminders before a session (kind ``24h``, ``2h``, ``plan_end``) and the
    one-off notices (``Reminder.Notice``: booked, moved, cancelled, a session blocked by a
    safety rule, a staff invitation, a password reset, what a rolling plan booked, plans
    following a moved due date, the baby's arrival). The name stays ``Reminder`` because
    reminders were its first kind and scripts outside the app rely on it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Skipped (too late to help)"
        FAILED = "failed", "Failed"

    class Notice(models.TextChoices):
        BOOKED = "booked", "Booking confirmed"
        MOVED = "moved", "Session moved"
        CANCELLED = "cancelled", "Cancellation"
        SESSION_BLOCKED = "session_blocked", "Session blocked by a safety rule"
        SESSION_BLOCKED_THERAPIST = "session_blocked_therapist", "Blocked session (therapist)"
        SESSIONS_ON_HOLD_CLINIC = "sessions_on_hold_clinic", "Sessions on hold (clinic)"
        INVITATION = "invitation", "Staff invitation"
        CLIENT_INVITATION = "client_invitation", "Client invitation (registered by the clinic)"
        PASSWORD_RESET = "password_reset", "Password reset"
        ACCOUNT_EXISTS = "account_exists", "Sign-up with an address that has an account"
        PLAN_RUN = "plan_run", "Plan booked dates"
        DUE_DATE_MOVED = "due_date_moved", "Plans follow a moved due date"
        BABY_ARRIVED = "baby_arrived", "Baby arrived"
        BABY_ARRIVED_STAFF = "baby_arrived_staff", "Baby arrived (clinic and therapists)"
        WAITLIST_OFFER = "waitlist_offer", "A freed time offered from the waitlist"

    class Delivery(models.TextChoices):
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Not delivered"

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.CharField(max_length=20, default="email")
    kind = models.CharField(max_length=30, help_text="e.g. 24h, 2h, plan_end, booked")
    payload = models.JSONField(
        default=dict, blank=True, help_text="Ids and words the message is written from."
    )
    send_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While sending: when the claim lapses and dispatch may hand it out again.",
    )
    # A text's id at the provider, and what the provider last reported about its delivery.
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    delivery_status = models.CharField(
        max_length=12, choices=Delivery.choices, blank=True, default=""
    )
    delivery_reported_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["send_at"]
        constraints = [
            # One reminder of each kind per session and channel; notices may repeat (a
            # session can be blocked by a safety rule, cleared and blocked again).
            models.UniqueConstraint(
                fields=["booking", "kind", "channel"],
                condition=~Q(
                    kind__in=[
                        "booked",
                        "moved",
                        "cancelled",
                        "session_blocked",
                        "session_blocked_therapist",
                        "sessions_on_hold_clinic",
                        "invitation",
                        "client_invitation",
                        "password_reset",
                        "plan_run",
                        "due_date_moved",
                        "baby_arrived",
                        "baby_arrived_staff",
                        "waitlist_offer",
                    ]
                ),
                name="one_reminder_per_kind",
            ),
        ]
        indexes = [
            models.Index(
                fields=["send_at"],
                condition=Q(status="pending"),
                name="reminder_pending_due",
            ),
            # Dispatch also looks for lapsed claims every minute; keep that off a table scan.
            models.Index(
                fields=["claimed_until"],
                condition=Q(status="sending"),
                name="reminder_sending_lease",
            ),
        ]

    def __str__(self):
        return f"{self.kind} message to user {self.recipient_id} ({self.status})"

    def save(self, *args, **kwargs):
        # A reminder before a session goes to the client who booked it.
        if self.recipient_id is None and self.booking_id is not None:
            self.recipient_id = self.booking.client_id
        super().save(*args, **kwargs)

    @property
    def is_notice(self) -> bool:
        return self.kind in self.Notice.values

    @property
    def label(self) -> str:
        """What the message is, for the people watching the outbox."""
        if self.is_notice:
            return self.Notice(self.kind).label
        if self.kind == "plan_end":
            return "Plan ends next week"
        return f"Reminder {self.kind} before"
