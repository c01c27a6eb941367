from django.apps import AppConfig


class CareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "care"
    verbose_name = "Check-ins and treatment notes"

    def ready(self):
        from booking.emails import register_notice
        from booking.services.flags import register_session_conditions
        from booking.services.start_checks import register_start_check
        from care import messages
        from care.services.checkins import hold_conditions, hold_reason

        register_start_check(hold_reason)
        # Re-evaluations after she changes her answers keep a held session's red flags.
        register_session_conditions(hold_conditions)
        register_notice(messages.HOLD_THERAPIST, messages.hold_message_to_therapist)
        register_notice(messages.HOLD_CLINIC, messages.hold_message_to_clinic)
