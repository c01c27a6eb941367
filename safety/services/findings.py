"""The rule set's findings for her on a date, with her clinic's stricter severities."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, JSONField, OuterRef, QuerySet, Subquery

from accounts.models import User
from clinics.models import Clinic
from common.db import PreparedQuery
from safety import engine
from safety.dating import gestational_age_on
from safety.engine import Finding
from safety.models import IntakeResponse, PregnancyProfile
from safety.services.errors import DatingError, ProfileMissing, SafetyError
from safety.services.profile import latest_intake, pregnancy_profile


@dataclass(frozen=True)
class HerAnswers:
    """Her profile and latest answers, read once for findings on many dates (a plan)."""

    profile: PregnancyProfile
    conditions: frozenset[str]


def her_answers(client: User) -> HerAnswers:
    profile = pregnancy_profile(client)
    if profile is None:
        raise ProfileMissing()
    intake = latest_intake(client)
    return HerAnswers(profile=profile, conditions=frozenset(intake.conditions if intake else []))


def _profile_with_answers(client_id: int) -> QuerySet[PregnancyProfile]:
    her_intakes = IntakeResponse.objects.filter(client=OuterRef("client"))
    return (
        PregnancyProfile.objects.filter(client_id=client_id)
        .annotate(
            consented=Exists(her_intakes.filter(consent_given_at__isnull=False)),
            latest_conditions=Subquery(
                her_intakes.order_by("-created_at", "-pk").values("conditions")[:1],
                output_field=JSONField(),
            ),
        )
        .order_by("pk")[:1]
    )


# Read on every view of a time she might book: compiled once per process.
PROFILE_WITH_ANSWERS = PreparedQuery(_profile_with_answers, client_id=-1)


def answers_if_ready_to_book(client: User) -> HerAnswers | None:
    """Her answers when she is ready to book (as ``client_ready_to_book`` says: a pregnancy
    profile and answers given with consent), ``None`` otherwise.

    One query, where asking "is she ready?" and then reading her answers takes four: the
    booking page asks both on every view of a time.
    """
    found = PROFILE_WITH_ANSWERS.fetch(client_id=client.pk)
    profile = found[0] if found else None
    if profile is None or not profile.consented:
        return None
    return HerAnswers(profile=profile, conditions=frozenset(profile.latest_conditions or []))


def findings_for(
    *,
    client: User,
    clinic: Clinic,
    on: dt.date,
    extra_conditions: Iterable[str] = (),
    answers: HerAnswers | None = None,
) -> list[Finding]:
    """The rule set's findings for ``client`` on ``on``, with the clinic's raised severities.

    ``extra_conditions`` are answers that hold for one session only (a check-in's);
    ``answers`` are hers as read earlier in the same transaction (read now when not given).
    """
    answers = answers or her_answers(client)
    profile = answers.profile
    conditions = {*answers.conditions, *extra_conditions}
    birth_date = profile.birth_date
    if birth_date is not None and on >= birth_date:
        check_within_postnatal_year(birth_date=birth_date, on=on)
    else:
        try:
            gestational_age_on(profile.due_date, on)
        except ValueError as error:
            raise DatingError(
                f"{on.day} {on:%B %Y} is before the start of your pregnancy by your due date "
                f"({profile.due_date.day} {profile.due_date:%B %Y}). Please check your due date."
            ) from error
    findings = engine.evaluate(
        profile.due_date,
        on,
        conditions,
        birth_date=birth_date,
        delivery=profile.delivery or None,
    )
    return engine.apply_raised_severities(findings, clinic.raised_severities)


# Postnatal sessions are booked up to a year (52 weeks) after the birth.
POSTNATAL_BOOKING_LIMIT = dt.timedelta(weeks=52)


def check_within_postnatal_year(*, birth_date: dt.date, on: dt.date) -> None:
    if on > birth_date + POSTNATAL_BOOKING_LIMIT:
        limit = birth_date + POSTNATAL_BOOKING_LIMIT
        raise SafetyError(
            f"We book postnatal sessions up to 52 weeks after the birth (until {limit.day} "
            f"{limit:%B %Y})."
        )
