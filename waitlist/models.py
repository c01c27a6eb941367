"""Waitlist entries (she waits for a time that fits) and the offers of freed times made to them."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

# Parts of the day, by the session's clinic-local start: each a bit of ``parts_of_day``.
PARTS_OF_DAY = {
    "morning": (dt.time(0), dt.time(12)),
    "afternoon": (dt.time(12), dt.time(17)),
    "evening": (dt.time(17), dt.time.max),
}
PART_BITS = {name: 1 << n for n, name in enumerate(PARTS_OF_DAY)}
ALL_PARTS = sum(PART_BITS.values())
ALL_WEEKDAYS = 0b1111111  # bit 0 is Monday


def part_of_day(start: dt.time) -> str:
    return next(name for name, (begins, ends) in PARTS_OF_DAY.items() if begins <= start < ends)


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Entry(models.Model):
    """She waits for a time at a clinic: any or one therapist, a date range, parts of the day
    and weekdays. Entries are served in the order they joined (``created_at``, then id)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        BOOKED = "booked", "Booked a time that fits"
        EXPIRED = "expired", "Range over"
        LEFT = "left", "Left the waitlist"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    therapist = models.ForeignKey(
        "clinics.Therapist",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        help_text="Empty: any therapist.",
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    weekdays = models.PositiveSmallIntegerField(
        default=ALL_WEEKDAYS, help_text="Bit 0 is Monday … bit 6 is Sunday."
    )
    parts_of_day = models.PositiveSmallIntegerField(
        default=ALL_PARTS, help_text="Bits: 1 morning, 2 afternoon, 4 evening."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    booking = models.ForeignKey(
        "booking.Booking", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(
                fields=["clinic", "starts_on", "ends_on"],
                condition=Q(status="waiting"),
                name="waitlist_waiting_by_clinic",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="waitlist_range_in_order"
            ),
        ]

    def __str__(self):
        return f"Waitlist entry of user {self.client_id} at clinic {self.clinic_id}"

    @property
    def weekday_numbers(self) -> list[int]:
        return [day for day in range(7) if self.weekdays & (1 << day)]

    @property
    def part_names(self) -> list[str]:
        return [name for name, bit in PART_BITS.items() if self.parts_of_day & bit]

    def fits(self, *, therapist_id: int, day: dt.date, start: dt.time) -> bool:
        return (
            (self.therapist_id is None or self.therapist_id == therapist_id)
            and self.starts_on <= day <= self.ends_on
            and bool(self.weekdays & (1 << day.weekday()))
            and bool(self.parts_of_day & PART_BITS[part_of_day(start)])
        )


class Offer(models.Model):
    """A freed slot offered to one entry: held for her, sent to everyone, taken or gone."""

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        TAKEN = "taken", "Booked by her"
        EXPIRED = "expired", "Hold ran out"
        GONE = "gone", "Taken by someone else, or no longer free"
        SKIPPED = "skipped", "Skipped"

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="offers")
    slot = models.ForeignKey("booking.Slot", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    token = models.CharField(max_length=40, unique=True, default=new_token)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="End of her hold; empty when offered to everyone."
    )
    reason = models.CharField(
        max_length=300, blank=True, help_text="Why she was skipped (e.g. a safety rule)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "slot"], name="one_offer_per_entry_and_slot")
        ]

    def __str__(self):
        return f"Offer of slot {self.slot_id} to entry {self.entry_id} ({self.status})"
