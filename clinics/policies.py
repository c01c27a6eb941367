"""Checks on a clinic's policies: reminder times and the safety severities it raises."""

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


def default_severity(code: str) -> str:
    from safety.engine import RULES_BY_CODE

    return RULES_BY_CODE[code].severity


def validate_raised_severities(value) -> None:
    """A clinic may make a safety rule more serious, never less (see the rule table)."""
    from safety.engine import RULES_BY_CODE, SEVERITY_RANK

    if not isinstance(value, dict):
        raise ValidationError("Raised severities map a rule code to a severity.")
    for code, severity in value.items():
        if code not in RULES_BY_CODE:
            raise ValidationError(f"“{code}” is not a safety rule code.")
        if severity not in SEVERITY_RANK:
            raise ValidationError(f"“{severity}” is not a severity.")
        default = RULES_BY_CODE[code].severity
        if SEVERITY_RANK[severity] < SEVERITY_RANK[default]:
            raise ValidationError(
                f"“{code}” is “{default}” by default; a clinic may raise it, never lower it."
            )
