"""Her pregnancy profile: reading it, and saving it (a new due date re-checks her sessions)."""

import datetime as dt

from django.db import transaction

from accounts.models import User
from clinics.models import Clinic
from safety import engine, signals
from safety.models import AuditEntry, IntakeResponse, PregnancyProfile
from safety.services.audit import log_audit


def latest_intake(client: User) -> IntakeResponse | None:
    return client.intake_responses.order_by("-created_at", "-pk").first()


def pregnancy_profile(client: User) -> PregnancyProfile | None:
    return PregnancyProfile.objects.filter(client=client).first()


def red_flag_rules(client: User) -> list[engine.ConditionRule]:
    """The rules her current answers meet that stop every session (a `block` rule): she is
    told what to do now before anything else."""
    intake = latest_intake(client)
    return engine.blocking_conditions(intake.conditions) if intake else []


PROFILE_STEP = "profile"
ANSWERS_STEP = "answers"


def onboarding_step(client: User) -> str | None:
    """What she still has to tell us before she can book: her pregnancy first, then her
    health answers; None once both are in."""
    if not PregnancyProfile.objects.filter(client=client).exists():
        return PROFILE_STEP
    if not client.intake_responses.filter(consent_given_at__isnull=False).exists():
        return ANSWERS_STEP
    return None


def client_ready_to_book(client: User) -> bool:
    """She has a pregnancy profile and an intake response given with consent."""
    return (
        PregnancyProfile.objects.filter(client=client).exists()
        and client.intake_responses.filter(consent_given_at__isnull=False).exists()
    )


@transaction.atomic
def save_pregnancy_profile(
    *,
    client: User,
    due_date: dt.date,
    due_date_source: str,
    last_period_started_on: dt.date | None,
    phone: str,
    emergency_contact_name: str,
    emergency_contact_phone: str,
    recorded_by: User | None = None,
    clinic: Clinic | None = None,
) -> PregnancyProfile:
    """Create or update her profile; a changed due date re-evaluates her future sessions.

    ``recorded_by`` is the staff member who took it down on the phone (at ``clinic``).
    """
    # Her booked sessions must still fall within the pregnancy: booking refuses otherwise.
    signals.due_date_changing.send(sender=PregnancyProfile, client=client, due_date=due_date)
    profile = PregnancyProfile.objects.select_for_update().filter(client=client).first()
    if profile is None:
        # Her first save: a double-click sends it two or three times at once. Waiting on her
        # account's row lets the first create the profile and the others update it.
        User.objects.select_for_update().filter(pk=client.pk).exists()
        profile = PregnancyProfile.objects.select_for_update().filter(client=client).first()
    due_date_changed = profile is None or profile.due_date != due_date
    old_due_date = profile.due_date if profile is not None else None
    profile = profile or PregnancyProfile(client=client)
    profile.due_date = due_date
    profile.due_date_source = due_date_source
    profile.last_period_started_on = last_period_started_on
    profile.phone = phone
    profile.phone_as_given = ""
    profile.emergency_contact_name = emergency_contact_name
    profile.emergency_contact_phone = emergency_contact_phone
    profile.save()
    log_audit(
        actor=recorded_by or client,
        client=client,
        clinic=clinic,
        action=AuditEntry.Action.CHANGED_PROFILE,
        detail="Due date changed" if due_date_changed else "",
    )
    profile.follow_up_urls = []
    if old_due_date is not None and due_date_changed:
        responses = signals.due_date_moved.send(
            sender=PregnancyProfile,
            client=client,
            old_due_date=old_due_date,
            new_due_date=due_date,
        )
        profile.follow_up_urls = [url for _, url in responses if url]
    if due_date_changed:
        signals.answers_changed.send(sender=PregnancyProfile, client=client)
    return profile


@transaction.atomic
def set_mobile_number(*, client: User, phone) -> PregnancyProfile:
    """Her mobile number (E.164, validated by the form) on her existing profile."""
    profile = PregnancyProfile.objects.select_for_update().get(client=client)
    profile.phone = phone
    profile.phone_as_given = ""
    profile.save(update_fields=["phone", "phone_as_given", "updated_at"])
    return profile
