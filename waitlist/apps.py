from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "waitlist"
    verbose_name = "Waitlist"

    def ready(self):
        from booking.emails import register_notice
        from booking.models import Reminder
        from waitlist import emails, receivers  # noqa: F401 (connects the receivers)

        register_notice(Reminder.Notice.WAITLIST_OFFER, emails.offer_message)
