"""Around each session: her check-in before it, a hold when she reports a red flag, and the
therapist's signed treatment notes after it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

PAIN_SCALE = [MinValueValidator(0), MaxValueValidator(10)]


class Effect(models.TextChoices):
    NONE = "none", "Not at all"
    SOME = "some", "A little"
    A_LOT = "a_lot", "A lot"


class PainArea(models.TextChoices):
    BUTTOCK = "buttock", "Buttock"
    BACK_OF_THIGH = "back_of_thigh", "Back of the thigh"
    BELOW_KNEE = "below_knee", "Below the knee"


class CheckIn(models.Model):
    """Her answers before one session: red flags right now, and her sciatica today.

    One per session; answering again replaces the answers (a hold it raised stays).
    """

    booking = models.OneToOneField(
        "booking.Booking", on_delete=models.CASCADE, related_name="checkin"
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins"
    )
    red_flags = models.JSONField(
        default=list, blank=True, help_text="Condition codes of the 'Right now' questions: yes."
    )
    anything_new = models.BooleanField(default=False)
    pain = models.PositiveSmallIntegerField(
        validators=PAIN_SCALE, help_text="Sciatic pain at its worst in the last 24 hours, 0–10."
    )
    pain_areas = models.JSONField(default=list, blank=True, help_text="Where the pain goes.")
    sleep_effect = models.CharField(max_length=10, choices=Effect.choices)
    walking_effect = models.CharField(max_length=10, choices=Effect.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text="She, or her therapist asking her at the door.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pain__lte=10), name="checkin_pain_0_to_10"),
        ]

    def __str__(self):
        return f"Check-in for booking {self.booking_id}"

    @property
    def pain_area_labels(self) -> list[str]:
        return [PainArea(area).label for area in self.pain_areas if area in PainArea.values]


class SessionHold(models.Model):
    """A session stopped by a red flag at check-in, until a therapist records what happened."""

    class Outcome(models.TextChoices):
        CLEARED = "cleared", "Resolved with a clearance"
        CANCELLED = "cancelled", "Cancelled free of charge"

    booking = models.ForeignKey("booking.Booking", on_delete=models.CASCADE, related_name="holds")
    checkin = models.ForeignKey(
        CheckIn, on_delete=models.SET_NULL, null=True, blank=True, related_name="holds"
    )
    red_flags = models.JSONField(help_text="The condition codes she answered yes.")
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    cleared_by = models.CharField(
        max_length=160, blank=True, help_text="The clinician who saw her (name and role)."
    )
    cleared_on = models.DateField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open hold per session: a second red-flag answer adds nothing to tell.
            models.UniqueConstraint(
                fields=["booking"], condition=Q(resolved_at__isnull=True), name="one_open_hold"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, outcome="")
                | Q(resolved_at__isnull=False) & ~Q(outcome=""),
                name="hold_outcome_with_resolution",
            ),
        ]

    def __str__(self):
        return f"Hold on booking {self.booking_id} ({self.outcome or 'open'})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Position(models.TextChoices):
    LEFT_SIDE = "left_side", "Left side-lying"
    RIGHT_SIDE = "right_side", "Right side-lying"
    SEMI_RECLINED = "semi_reclined", "Semi-reclined, torso raised 30° or more"


class Area(models.TextChoices):
    NECK_SHOULDERS = "neck_shoulders", "Neck and shoulders"
    UPPER_BACK = "upper_back", "Upper back"
    LOW_BACK = "low_back", "Low back"
    GLUTEALS = "gluteals", "Gluteals and piriformis"
    HIPS = "hips", "Hips"
    LEGS = "legs", "Legs"
    FEET = "feet", "Feet"
    ARMS_HANDS = "arms_hands", "Arms and hands"
    HEAD_FACE = "head_face", "Head and face"


class TreatmentNote(models.Model):
    """One signed version of the therapist's note on a session; never changed once written.

    An amendment is a new row with the next ``version`` and a reason; the original stays.
    """

    booking = models.ForeignKey(
        "booking.Booking", on_delete=models.CASCADE, related_name="treatment_notes"
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="treatment_notes"
    )
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="treatment_notes"
    )
    version = models.PositiveSmallIntegerField(default=1)
    positions = models.JSONField(default=list)
    bolsters = models.CharField(max_length=300, blank=True)
    areas_worked = models.JSONField(default=list)
    techniques = models.TextField(help_text="Techniques and pressure.")
    areas_avoided = models.TextField(blank=True)
    pain_after = models.PositiveSmallIntegerField(validators=PAIN_SCALE)
    free_text = models.TextField(blank=True)
    adapt_checks = models.JSONField(
        default=list,
        help_text="Per adapt flag of the session: code, title, followed, and why not.",
    )
    amendment_reason = models.CharField(max_length=300, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    signed_by_label = models.CharField(max_length=200)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["booking", "version"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "version"], name="one_note_per_version"),
            models.CheckConstraint(condition=Q(pain_after__lte=10), name="note_pain_0_to_10"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(amendment_reason=""),
                name="amendment_has_reason",
            ),
        ]

    def __str__(self):
        return f"Note v{self.version} on booking {self.booking_id}"

    def save(self, *args, **kwargs):
        # Append-only: a signed note is a professional record, so an edit is a new version.
        if self.pk is not None:
            raise ValidationError("A signed note cannot be changed; write an amendment.")
        super().save(*args, **kwargs)

    @property
    def position_labels(self) -> list[str]:
        return [Position(code).label for code in self.positions if code in Position.values]

    @property
    def area_labels(self) -> list[str]:
        return [Area(code).label for code in self.areas_worked if code in Area.values]
