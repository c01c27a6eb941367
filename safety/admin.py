"""Admin for pregnancy profiles, intake answers, flags, clearances and the audit trail, all
read-only (their services re-evaluate her sessions, close flags and write the audit trail);
and the clinic's raised severities, checked against the rule set."""

from django import forms
from django.contrib import admin

from clinics.admin import ClinicAdmin
from clinics.models import Clinic
from common.admin import ReadOnlyAdminMixin
from safety.models import AuditEntry, Clearance, IntakeResponse, PregnancyProfile, SafetyFlag
from safety.policies import validate_raised_severities


@admin.register(PregnancyProfile)
class PregnancyProfileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["client", "due_date", "due_date_source", "updated_at"]
    list_filter = ["due_date_source"]
    search_fields = ["client__email", "client__first_name", "client__last_name"]
    raw_id_fields = ["client"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(IntakeResponse)
class IntakeResponseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["client", "created_at", "consent_given_at"]
    search_fields = ["client__email"]
    raw_id_fields = ["client"]
    date_hierarchy = "created_at"
    # Each save is a version of her answers: editing one in place would rewrite history.
    readonly_fields = ["client", "conditions", "notes", "consent_given_at", "created_at"]


@admin.register(SafetyFlag)
class SafetyFlagAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "booking",
        "code",
        "severity",
        "ruleset_version",
        "created_at",
        "closed_at",
        "acknowledged_at",
    ]
    list_filter = ["severity", "ruleset_version", "code"]
    search_fields = ["code", "booking__client__email"]
    raw_id_fields = ["booking", "acknowledged_by"]
    readonly_fields = ["created_at"]


@admin.register(Clearance)
class ClearanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["client", "code", "issued_by", "issued_on", "valid_until", "recorded_by"]
    list_filter = ["code"]
    search_fields = ["client__email", "issued_by"]
    raw_id_fields = ["client", "recorded_by"]
    readonly_fields = ["recorded_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "client", "clinic"]
    list_filter = ["action", "clinic"]
    search_fields = ["actor_label", "client__email", "detail"]
    date_hierarchy = "created_at"
    readonly_fields = ["actor", "actor_label", "client", "clinic", "action", "detail", "created_at"]


class ClinicSafetyForm(forms.ModelForm):
    """The clinic's page, with its raised severities checked against the rule set."""

    def clean_raised_severities(self):
        raised = self.cleaned_data["raised_severities"]
        validate_raised_severities(raised)
        return raised


# Clinics know nothing of the rule set, so safety, which does, extends their admin page.
admin.site.unregister(Clinic)


@admin.register(Clinic)
class ClinicWithSafetyAdmin(ClinicAdmin):
    form = ClinicSafetyForm
