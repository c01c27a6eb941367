"""Admin for slots, bookings, plans and the outbox: read-only, as only services may write them."""

from django.contrib import admin

from booking.models import Booking, Plan, Reminder, Slot
from common.admin import ReadOnlyAdminMixin


@admin.register(Slot)
class SlotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "therapist", "status", "block_reason"]
    list_filter = ["status", "therapist__clinic", "therapist"]
    search_fields = ["therapist__display_name", "block_reason"]
    date_hierarchy = "starts_at"
    list_select_related = ["therapist"]
    readonly_fields = ["created_at", "updated_at"]
    raw_id_fields = ["therapist"]


class ReminderInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Reminder
    extra = 0
    fields = ["kind", "channel", "send_at", "status", "attempts", "sent_at", "last_error"]


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["starts_at", "client", "therapist_name", "status", "plan", "created_at"]
    list_filter = ["status", "cancelled_by", "slot__therapist__clinic"]
    search_fields = ["client__email", "client__first_name", "slot__therapist__display_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["client", "slot__therapist", "plan"]
    readonly_fields = ["created_at", "updated_at", "cancelled_at", "flags_acknowledged_at"]
    raw_id_fields = ["client", "slot", "plan", "moved_to", "flags_acknowledged_by"]
    inlines = [ReminderInline]

    @admin.display(description="therapist", ordering="slot__therapist__display_name")
    def therapist_name(self, booking):
        return booking.slot.therapist.display_name


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "client", "therapist", "weekdays", "local_time", "starts_on", "ends_on"]
    list_filter = ["status", "therapist__clinic"]
    search_fields = ["client__email", "therapist__display_name"]
    date_hierarchy = "starts_on"
    list_select_related = ["client", "therapist"]
    readonly_fields = ["created_at", "cancelled_at"]
    raw_id_fields = ["client", "therapist"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox: every message, filtered by status, kind and channel."""

    list_display = ["send_at", "kind", "channel", "status", "attempts", "recipient", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["recipient__email", "last_error"]
    date_hierarchy = "send_at"
    list_select_related = ["recipient"]
    raw_id_fields = ["booking", "recipient"]
