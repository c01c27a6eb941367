"""Admin for slots, bookings, plans and the outbox: read-only, as only services may write them."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

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
    """Read-only: bookings change only through the booking services, at the front desk."""

    list_display = [
        "starts_at",
        "client",
        "therapist_name",
        "status",
        "attendance",
        "plan",
        "created_at",
        "front_desk",
    ]
    list_filter = ["status", "attendance", "cancelled_by", "slot__therapist__clinic"]
    search_fields = ["client__email", "client__first_name", "slot__therapist__display_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["client", "slot__therapist__clinic", "plan"]
    readonly_fields = ["front_desk", "created_at", "updated_at"]
    raw_id_fields = ["client", "slot", "plan", "moved_to", "flags_acknowledged_by"]
    inlines = [ReminderInline]

    @admin.display(description="therapist", ordering="slot__therapist__display_name")
    def therapist_name(self, booking):
        return booking.slot.therapist.display_name

    @admin.display(description="front desk")
    def front_desk(self, booking):
        """Where to book, move, cancel or mark it: her page and the day at the front desk."""
        clinic = booking.slot.therapist.clinic
        client_url = reverse(
            "frontdesk:client", kwargs={"slug": clinic.slug, "client_id": booking.client_id}
        )
        day_url = reverse("frontdesk:day", kwargs={"slug": clinic.slug})
        return format_html(
            '<a href="{}">Her page</a> · <a href="{}?day={}">The day</a>',
            client_url,
            day_url,
            clinic.local_date(booking.starts_at).isoformat(),
        )


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

    list_display = [
        "send_at",
        "kind",
        "channel",
        "status",
        "delivery_status",
        "attempts",
        "recipient",
        "sent_at",
    ]
    list_filter = ["status", "kind", "channel", "delivery_status"]
    search_fields = ["recipient__email", "last_error", "provider_id"]
    date_hierarchy = "send_at"
    list_select_related = ["recipient"]
    raw_id_fields = ["booking", "recipient"]
