"""Pregnancy profile, intake answers, safety flags on bookings, clearances, her doctors' letters
and the audit trail."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from phonenumber_field.modelfields import PhoneNumberField


class Severity(models.TextChoices):
    """Ordered from least to most serious; see ``safety.engine.SEVERITY_RANK``."""

    INFO = "info", "Information"
    ADAPT = "adapt", "Adapt treatment"
    CLEARANCE = "clearance", "Clearance needed"
    BLOCK = "block", "Cannot go ahead"


class PregnancyProfile(models.Model):
    """What a client tells us once before her first booking; editable later."""

    class DueDateSource(models.TextChoices):
        SCAN = "scan", "From my scan or my midwife"
        LAST_PERIOD = "last_period", "From the first day of my last period"

    class Delivery(models.TextChoices):
        VAGINAL = "vaginal", "Vaginal birth"
        CAESAREAN = "caesarean", "Caesarean birth"

    client = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pregnancy_profile"
    )
    due_date = models.DateField()
    due_date_source = models.CharField(
        max_length=20, choices=DueDateSource.choices, default=DueDateSource.SCAN
    )
    last_period_started_on = models.DateField(null=True, blank=True)
    birth_date = models.DateField(
        null=True, blank=True, help_text="When her baby arrived; postnatal rules apply from it."
    )
    delivery = models.CharField(max_length=12, choices=Delivery.choices, blank=True)
    birth_recorded_at = models.DateTimeField(null=True, blank=True)
    birth_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Her mobile in E.164, what text messages go to. A number from before validation that
    # could not be read stays in ``phone_as_given`` until she (or the clinic) corrects it.
    phone = PhoneNumberField(blank=True)
    phone_as_given = models.CharField(max_length=40, blank=True)
    emergency_contact_name = models.CharField(max_length=120)
    emergency_contact_phone = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Pregnancy profile of {self.client}"

    @property
    def has_given_birth(self) -> bool:
        return self.birth_date is not None


class IntakeResponse(models.Model):
    """One version of a client's health answers; the newest one is in force."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake_responses"
    )
    conditions = models.JSONField(
        default=list, blank=True, help_text="Condition codes answered yes."
    )
    notes = models.JSONField(default=dict, blank=True, help_text="Condition code → her note.")
    consent_given_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]

    def __str__(self):
        return f"Intake of {self.client} on {self.created_at:%Y-%m-%d}"


class SafetyFlag(models.Model):
    """A finding of the rule set on one booking, kept even when it stops applying."""

    booking = models.ForeignKey(
        "booking.Booking", on_delete=models.CASCADE, related_name="safety_flags"
    )
    code = models.CharField(max_length=60)
    severity = models.CharField(max_length=12, choices=Severity.choices)
    title = models.CharField(max_length=200)
    instruction = models.TextField(blank=True)
    client_message = models.TextField(blank=True)
    ruleset_version = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the rule stopped applying (answers changed)."
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["booking", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "code"],
                condition=Q(closed_at__isnull=True),
                name="one_open_flag_per_rule_and_booking",
            ),
        ]

    def __str__(self):
        return f"{self.code} ({self.severity}) on booking {self.booking_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


def private_storage():
    from django.core.files.storage import storages

    return storages["private"]


def document_path(instance, filename: str) -> str:
    """A random name: neither her name nor the file's own name ends up in storage."""
    return f"clearance-documents/{uuid.uuid4().hex}"


class ClearanceDocument(models.Model):
    """A letter from her doctor or midwife she uploaded, for a therapist to verify."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clearance_documents"
    )
    file = models.FileField(storage=private_storage, upload_to=document_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"Document {self.pk} of {self.client}"


class ClearanceQuerySet(models.QuerySet):
    def covering(self, on) -> "ClearanceQuerySet":
        """Clearances valid on ``on``: issued on or before it, and not yet expired."""
        return self.filter(issued_on__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )


class Clearance(models.Model):
    """A doctor's or midwife's written clearance for one clearance rule, recorded by a therapist."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clearances"
    )
    code = models.CharField(max_length=60, help_text="The clearance rule it covers.")
    issued_by = models.CharField(max_length=160, help_text="Name and role of the clinician.")
    issued_on = models.DateField()
    valid_until = models.DateField(
        null=True, blank=True, help_text="Leave empty when it holds until the birth."
    )
    note = models.TextField(max_length=2000, blank=True)
    document_reference = models.CharField(
        max_length=120,
        blank=True,
        help_text="The letter's or record's reference, so anyone can find the document.",
    )
    document = models.ForeignKey(
        ClearanceDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clearances",
        help_text="The letter she uploaded that this clearance was verified from.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ClearanceQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("issued_on")),
                name="clearance_valid_after_issue",
            ),
        ]

    def __str__(self):
        return f"Clearance for {self.code} ({self.client})"

    def covers(self, on) -> bool:
        """Whether it holds on ``on``; the same test as ``Clearance.objects.covering``."""
        return self.issued_on <= on and (self.valid_until is None or self.valid_until >= on)


class AuditEntry(models.Model):
    """Who looked at or changed a client's health data, and when."""

    class Action(models.TextChoices):
        VIEWED_INTAKE = "viewed_intake", "Viewed intake answers"
        VIEWED_FLAGS = "viewed_flags", "Viewed safety flags of a session"
        CHANGED_INTAKE = "changed_intake", "Changed intake answers"
        CHANGED_PROFILE = "changed_profile", "Changed pregnancy profile"
        ACKNOWLEDGED_FLAGS = "acknowledged_flags", "Acknowledged safety flags"
        RECORDED_CLEARANCE = "recorded_clearance", "Recorded a clearance"
        UPLOADED_DOCUMENT = "uploaded_document", "Uploaded a doctor's letter"
        VIEWED_DOCUMENT = "viewed_document", "Viewed a doctor's letter"
        DELETED_DOCUMENT = "deleted_document", "Deleted a doctor's letter"
        EXPORTED_DATA = "exported_data", "Exported her data"
        DELETED_ACCOUNT = "deleted_account", "Deleted her account"
        RECORDED_BIRTH = "recorded_birth", "Recorded the birth"
        REGISTERED_CLIENT = "registered_client", "Registered her at the front desk"
        BOOKED_FOR_CLIENT = "booked_for_client", "Booked for her"
        MOVED_FOR_CLIENT = "moved_for_client", "Moved a session for her"
        CANCELLED_FOR_CLIENT = "cancelled_for_client", "Cancelled for her"
        MARKED_ATTENDANCE = "marked_attendance", "Marked attendance"
        CHECKED_IN = "checked_in", "Recorded a check-in before a session"
        RESOLVED_HOLD = "resolved_hold", "Resolved a session on hold"
        SIGNED_NOTE = "signed_note", "Signed a treatment note"
        AMENDED_NOTE = "amended_note", "Amended a treatment note"
        VIEWED_NOTES = "viewed_notes", "Viewed treatment notes"
        VIEWED_PROFILE = "viewed_profile", "Viewed her pregnancy details"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    address = models.GenericIPAddressField(
        "from address",
        null=True,
        blank=True,
        help_text="Where the request came from (the person's, behind our proxies).",
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="audit_entries",
    )
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.actor_label} {self.get_action_display()} at {self.created_at:%Y-%m-%d %H:%M}"
