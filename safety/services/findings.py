"""The rule set's findings for her on a date, with her clinic's stricter severities."""

import datetime as dt
from collections.abc import Iterable

from accounts.models import User
from clinics.models import Clinic
from safety import engine
from safety.dating import gestational_age_on
from safety.engine import Finding
from safety.services.errors import DatingError, ProfileMissing
from safety.services.profile import latest_intake, pregnancy_profile


def findings_for(
    *, client: User, clinic: Clinic, on: dt.date, extra_conditions: Iterable[str] = ()
) -> list[Finding]:
    """The rule set's findings for ``client`` on ``on``, with the clinic's raised severities.

    ``extra_conditions`` are answers that hold for one session only (a check-in's).
    """
    profile = pregnancy_profile(client)
    if profile is None:
        raise ProfileMissing()
    intake = latest_intake(client)
    conditions = {*(intake.conditions if intake else []), *extra_conditions}
    try:
        gestational_age_on(profile.due_date, on)
    except ValueError as error:
        raise DatingError(
            f"{on.day} {on:%B %Y} is before the start of your pregnancy by your due date "
            f"({profile.due_date.day} {profile.due_date:%B %Y}). Please check your due date."
        ) from error
    findings = engine.evaluate(profile.due_date, on, conditions)
    return engine.apply_raised_severities(findings, clinic.raised_severities)
