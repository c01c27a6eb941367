"""Checks on a clinic's policies: reminder times, and the shape of the severities it raises.

Which rule codes and severities are allowed is safety's to say (``safety.policies``): this
app knows nothing of the rule set.
"""

from django.core.exceptions import ValidationError

MAX_REMINDER_HOURS = 14 * 24
MAX_REMINDERS = 4


def validate_reminder_hours(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(hours, int) and not isinstance(hours, bool) for hours in value
    ):
        raise ValidationError("Reminder times are a list of whole hours, e.g. [24, 2].")
    if len(value) > MAX_REMINDERS:
        raise ValidationError(f"At most {MAX_REMINDERS} reminders per session.")
    if any(hours < 1 or hours > MAX_REMINDER_HOURS for hours in value):
        raise ValidationError(
            f"Each reminder is between 1 and {MAX_REMINDER_HOURS} hours before the session."
        )
    if len(set(value)) != len(value):
        raise ValidationError("Each reminder time may appear only once.")


def validate_raised_severities(value) -> None:
    """Raised severities map a rule code to a severity, both words."""
    if not isinstance(value, dict) or not all(
        isinstance(code, str) and isinstance(severity, str) for code, severity in value.items()
    ):
        raise ValidationError("Raised severities map a rule code to a severity.")
