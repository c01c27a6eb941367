"""Admin for clinics, their therapists, working hours and time off (the last two read-only)."""

from django.contrib import admin

from clinics.models import Clinic, Therapist, TimeOff, WorkingHours
from common.admin import ReadOnlyAdminMixin


class TherapistInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Therapists join by invitation (the clinic's back office), which also lays out slots."""

    model = Therapist
    extra = 0
    fields = ["display_name", "slug", "user", "is_active"]
    raw_id_fields = ["user"]
    show_change_link = True


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "time_zone",
        "session_minutes",
        "turnover_minutes",
        "booking_horizon_weeks",
        "created_at",
    ]
    list_filter = ["time_zone"]
    search_fields = ["name", "slug", "email", "address"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "created_at"
    filter_horizontal = ["admins"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [TherapistInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "address", "phone", "email", "time_zone", "admins"]}),
        (
            "Policies",
            {
                "fields": [
                    "session_minutes",
                    "turnover_minutes",
                    "cancellation_notice_hours",
                    "booking_notice_hours",
                    "booking_horizon_weeks",
                    "reminder_hours",
                    "raised_severities",
                ]
            },
        ),
        ("Timestamps", {"fields": ["created_at", "updated_at"]}),
    ]


class WorkingHoursInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WorkingHours
    extra = 0


class TimeOffInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TimeOff
    extra = 0
    readonly_fields = ["created_at"]


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = ["display_name", "clinic", "user", "certification_name", "is_active"]
    list_filter = ["is_active", "clinic"]
    search_fields = ["display_name", "slug", "user__email", "clinic__name"]
    list_select_related = ["clinic", "user"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    # Joining, leaving and coming back go through services that lay out or remove her slots.
    readonly_fields = ["clinic", "user", "is_active", "created_at", "updated_at"]
    inlines = [WorkingHoursInline, TimeOffInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkingHours)
class WorkingHoursAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["therapist", "weekday", "starts_at", "ends_at", "valid_from", "valid_until"]
    list_filter = ["weekday", "therapist__clinic"]
    search_fields = ["therapist__display_name"]
    list_select_related = ["therapist"]
    date_hierarchy = "valid_from"
    raw_id_fields = ["therapist"]


@admin.register(TimeOff)
class TimeOffAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "therapist",
        "starts_on",
        "from_time",
        "ends_on",
        "until_time",
        "reason",
        "created_at",
    ]
    list_filter = ["therapist__clinic"]
    search_fields = ["therapist__display_name", "reason"]
    list_select_related = ["therapist"]
    date_hierarchy = "starts_on"
    raw_id_fields = ["therapist"]
    readonly_fields = ["created_at"]
