"""Admin pieces every app uses."""


class ReadOnlyAdminMixin:
    """For models whose rows only services may write: the operator looks, never edits.

    Saving such a model in the admin would skip what its service does with it (safety
    flags, outbox messages, slot layout, the audit trail), so adding, changing and deleting
    are refused; the lists, filters and detail pages stay.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
