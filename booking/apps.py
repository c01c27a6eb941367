from django.apps import AppConfig


class BookingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "booking"

    def ready(self):
        # Her sessions follow changes to her due date and answers (see safety.signals), and
        # lower apps' messages reach the outbox (see accounts.outgoing).
        from booking import receivers  # noqa: F401
