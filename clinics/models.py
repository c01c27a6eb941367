"""Clinics, their therapists and admins, and the therapists' weekly working hours."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clinics.policies import validate_raised_severities, validate_reminder_hours


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/London.")


def time_zone_city(zone: str) -> str:
    """The city of an IANA zone name, as people say it ("America/New_York" → "New York")."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def default_reminder_hours() -> list[int]:
    return [24, 2]


class Clinic(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    address = models.TextField(max_length=500, help_text="Street, town and postcode, one per line.")
    phone = models.CharField(max_length=40)
    email = models.EmailField("e-mail")
    emergency_number = models.CharField(
        max_length=20,
        default="999",
        help_text="The local emergency number clients are told to call (999, 911, 112 …).",
    )
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        validators=[validate_time_zone],
        help_text="IANA name, e.g. Europe/London or America/New_York.",
    )
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="administered_clinics", blank=True
    )
    registered_clients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="registered_at_clinics",
        blank=True,
        help_text="Clients the clinic's staff registered (e.g. over the phone).",
    )

    # Policies.
    session_minutes = models.PositiveSmallIntegerField(default=60)
    turnover_minutes = models.PositiveSmallIntegerField(
        default=15, help_text="Gap between two sessions of one therapist."
    )
    cancellation_notice_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Clients cannot cancel or move online closer than this."
    )
    booking_notice_hours = models.PositiveSmallIntegerField(
        default=0, help_text="Clients cannot book a session starting sooner than this."
    )
    booking_horizon_weeks = models.PositiveSmallIntegerField(
        default=8, help_text="How far ahead clients may book."
    )
    reminder_hours = models.JSONField(
        default=default_reminder_hours,
        validators=[validate_reminder_hours],
        help_text="Hours before each session at which a reminder is sent.",
    )
    no_show_limit = models.PositiveSmallIntegerField(
        "no-shows before phone booking",
        null=True,
        blank=True,
        default=2,
        help_text=(
            "After this many no-shows at this clinic a client can no longer book online and "
            "is asked to call; staff can still book for her. Leave empty for no limit."
        ),
    )
    raised_severities = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_raised_severities],
        help_text="Safety rule code → severity this clinic applies instead (raise only).",
    )
    quiet_hours_start = models.TimeField(
        default=time(21, 0),
        help_text="From this time (clinic time) texts that can wait are held until the end.",
    )
    quiet_hours_end = models.TimeField(
        default=time(8, 0),
        help_text="Held texts go out from this time. Urgent ones (today's session) never wait.",
    )

    class WaitlistOffers(models.TextChoices):
        IN_TURN = "in_turn", "Hold a freed time for the first in line, then the next"
        ALL_AT_ONCE = "all_at_once", "Offer it to everyone waiting; the first to book gets it"

    waitlist_offers = models.CharField(
        "waitlist offers",
        max_length=12,
        choices=WaitlistOffers.choices,
        default=WaitlistOffers.IN_TURN,
    )
    waitlist_hold_minutes = models.PositiveSmallIntegerField(
        "minutes a freed time is held for her",
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
        help_text="With offers in turn: how long the first in line has before the next hears.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session_minutes__gte=15), name="clinic_session_at_least_15_min"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("booking:clinic", kwargs={"slug": self.slug})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def time_zone_city(self) -> str:
        """The zone as people name it: "London" for Europe/London, "New York" for
        America/New_York."""
        return time_zone_city(self.time_zone)

    @property
    def time_label(self) -> str:
        """How pages and e-mails name the clinic's clock: "London time"."""
        return f"{self.time_zone_city} time"

    def today(self) -> date:
        """Today's date at the clinic."""
        return timezone.localdate(timezone=self.tz)

    def local_date(self, instant: datetime) -> date:
        """The clinic-local date of ``instant`` (a session's date for the safety rules)."""
        return timezone.localdate(instant, timezone=self.tz)

    def quiet_until(self, instant: datetime) -> datetime | None:
        """When the quiet hours around ``instant`` end (UTC), or None outside them.

        The hours wrap midnight when the start is later than the end (21:00–08:00); equal
        start and end mean no quiet hours at all.
        """
        start, end = self.quiet_hours_start, self.quiet_hours_end
        local = instant.astimezone(self.tz)
        now = local.time()
        if start == end:
            return None
        quiet = (start <= now or now < end) if start > end else (start <= now < end)
        if not quiet:
            return None
        day = local.date() if now < end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=self.tz).astimezone(UTC)

    def day_bounds(self, first: date, last: date | None = None) -> tuple[datetime, datetime]:
        """The UTC instants where clinic-local ``first`` begins and ``last`` (or ``first``) ends.

        A day is 23 or 25 hours long when the clocks change.
        """
        begins = datetime.combine(first, time.min, tzinfo=self.tz)
        ends = datetime.combine((last or first) + timedelta(days=1), time.min, tzinfo=self.tz)
        return begins.astimezone(UTC), ends.astimezone(UTC)


class TherapistQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Therapist(models.Model):
    """A person with the therapist role at one clinic."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="therapist"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="therapists")
    display_name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)
    bio = models.TextField(max_length=2000, blank=True)
    certification_name = models.CharField(
        "prenatal massage certification", max_length=160, blank=True
    )
    certification_year = models.PositiveSmallIntegerField(null=True, blank=True)
    photo = models.ImageField(upload_to="therapists/", blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TherapistQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "slug"], name="therapist_slug_per_clinic"),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse(
            "booking:therapist", kwargs={"slug": self.clinic.slug, "therapist_slug": self.slug}
        )


class WorkingHours(models.Model):
    """One stretch of a therapist's usual week, e.g. Monday 09:00–13:00, in clinic time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["therapist", "weekday", "starts_at"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="working_hours_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="working_hours_valid_range",
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def overlapping(self) -> "models.QuerySet[WorkingHours]":
        """Her other stretches on the same weekday that share some time on some day."""
        others = WorkingHours.objects.filter(
            therapist_id=self.therapist_id,
            weekday=self.weekday,
            starts_at__lt=self.ends_at,
            ends_at__gt=self.starts_at,
        ).exclude(pk=self.pk)
        if self.valid_from is not None:
            others = others.filter(
                Q(valid_until__isnull=True) | Q(valid_until__gte=self.valid_from)
            )
        if self.valid_until is not None:
            others = others.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=self.valid_until))
        return others

    def applies_on(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.valid_from is None or day >= self.valid_from)
            and (self.valid_until is None or day <= self.valid_until)
        )


class TimeOff(models.Model):
    """Time a therapist does not work: holiday, sick leave, training, an afternoon off.

    Whole days by default; ``from_time`` starts it later on its first day and ``until_time``
    ends it earlier on its last day (clinic-local wall-clock times).
    """

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="time_off")
    starts_on = models.DateField()
    ends_on = models.DateField()
    from_time = models.TimeField(
        null=True, blank=True, help_text="Empty: from the start of the first day."
    )
    until_time = models.TimeField(
        null=True, blank=True, help_text="Empty: to the end of the last day."
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "from_time"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="time_off_end_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(ends_on=models.F("starts_on"))
                | Q(from_time__isnull=True)
                | Q(until_time__isnull=True)
                | Q(until_time__gt=models.F("from_time")),
                name="time_off_hours_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.therapist}: {self.starts_on} – {self.ends_on}"

    @property
    def is_whole_days(self) -> bool:
        return self.from_time is None and self.until_time is None

    def local_bounds(self) -> tuple[datetime, datetime]:
        """Naive clinic-local wall-clock start and end (end exclusive)."""
        begins = datetime.combine(self.starts_on, self.from_time or time.min)
        if self.until_time is None:
            ends = datetime.combine(self.ends_on + timedelta(days=1), time.min)
        else:
            ends = datetime.combine(self.ends_on, self.until_time)
        return begins, ends

    def covers(self, day: date) -> bool:
        """Whether she is off for the whole of ``day``."""
        begins, ends = self.local_bounds()
        return (
            begins <= datetime.combine(day, time.min)
            and datetime.combine(day + timedelta(days=1), time.min) <= ends
        )

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether she is off at any moment of naive local [start, end)."""
        begins, ends = self.local_bounds()
        return begins < end and start < ends

    def instants(self, tz) -> tuple[datetime, datetime]:
        """The UTC instants it starts and ends at, in the clinic's zone ``tz``."""
        begins, ends = self.local_bounds()
        return (
            begins.replace(tzinfo=tz).astimezone(UTC),
            ends.replace(tzinfo=tz).astimezone(UTC),
        )
