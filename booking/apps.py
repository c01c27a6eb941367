from django.apps import AppConfig


class BookingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "booking"

    def ready(self):
        from booking.services import due_dates
        from safety.signals import due_date_changed

        due_date_changed.connect(due_dates.plans_follow_due_date, dispatch_uid="plans-follow")
