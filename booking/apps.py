from django.apps import AppConfig


class BookingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "booking"

    def ready(self):
        # Connects the outbox to ``accounts.outgoing``, through which lower apps ask for mail.
        from booking.services import notices  # noqa: F401
