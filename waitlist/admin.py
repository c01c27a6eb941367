from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from waitlist.models import Entry, Offer


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: entries change through the waitlist's services (offers follow them)."""

    list_display = ["created_at", "client", "clinic", "therapist", "starts_on", "ends_on", "status"]
    list_filter = ["status", "clinic"]
    search_fields = ["client__email"]
    list_select_related = ["client", "clinic", "therapist"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "entry", "slot", "status", "expires_at", "reason"]
    list_filter = ["status"]
    list_select_related = ["entry", "slot"]
    exclude = ["token"]
