"""Admin for check-ins, holds and treatment notes; signed notes are read-only."""

from django.contrib import admin

from care.models import CheckIn, SessionHold, TreatmentNote


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["booking", "client", "pain", "anything_new", "created_at"]
    search_fields = ["client__email"]
    raw_id_fields = ["booking", "client", "recorded_by"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(SessionHold)
class SessionHoldAdmin(admin.ModelAdmin):
    list_display = ["booking", "created_at", "outcome", "resolved_at"]
    list_filter = ["outcome"]
    search_fields = ["booking__client__email"]
    raw_id_fields = ["booking", "checkin", "resolved_by"]
    readonly_fields = ["created_at"]


@admin.register(TreatmentNote)
class TreatmentNoteAdmin(admin.ModelAdmin):
    list_display = ["booking", "version", "clinic", "signed_by_label", "signed_at", "pain_after"]
    list_filter = ["clinic"]
    search_fields = ["client__email", "signed_by_label"]

    # A signed note is a professional record: amendments are written by the therapist, as
    # new versions, never edited here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
