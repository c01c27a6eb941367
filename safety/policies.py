"""What a clinic may change in the rule set: make a rule more serious, never less."""

from django.core.exceptions import ValidationError

from safety.engine import RULES_BY_CODE, SEVERITY_RANK


def validate_raised_severities(value) -> None:
    """Every code a safety rule, every severity known and at least the rule's own."""
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
