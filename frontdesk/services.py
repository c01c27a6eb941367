"""Front-desk operations that are not a booking: registering a caller as a client."""

import datetime as dt

from django.db import IntegrityError, transaction

from accounts.models import User, normalise_email
from booking.models import Reminder
from booking.services.outbox import notify
from booking.services.texting import set_message_channels
from clinics.models import Clinic
from safety import births
from safety import services as safety_services
from safety.dating import due_date_entry_problem
from safety.models import AuditEntry, PregnancyProfile


class FrontDeskError(Exception):
    """A front-desk operation that cannot go ahead; the message names the field's problem."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@transaction.atomic
def register_client(
    *,
    clinic: Clinic,
    registered_by: User,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    due_date: dt.date | None,
    birth_date: dt.date | None = None,
    delivery: str = "",
    conditions: list[str] | None = None,
    consent: bool = False,
    texts: bool = False,
) -> User:
    """Make an account for a caller, as the clinic's client, and e-mail her an invitation.

    Her due date and phone go on her pregnancy profile; when her baby has arrived, the birth
    is recorded too, so the postnatal rules apply from the first booking. A caller who gives
    only the birth has it stand in for the due date: no session falls before it, so the
    pregnancy rules never apply to her. Her health answers, when she gave
    them on the phone and agreed to us storing them, are recorded in her name by
    ``registered_by`` (and audited as such), so she can be booked straight away; the
    invitation asks her to set a password and check and complete them. With ``texts`` (her
    consent, given on the phone) her messages go by text to her phone too, or only, when she
    gave no e-mail.
    """
    email = check_email_is_free(email) if email.strip() else None
    if email is None and not phone.strip():
        raise FrontDeskError("Give her phone number, her e-mail, or both.", field="phone")
    due_date = due_date or birth_date
    if due_date is None:
        raise FrontDeskError("Give her due date, or her baby's birth date.", field="due_date")
    if birth_date is None:
        problem = due_date_entry_problem(due_date, today=clinic.today())
        if problem:
            raise FrontDeskError(problem, field="due_date")
    if conditions and not consent:
        raise FrontDeskError(
            "Tick that she agreed to us storing her health answers, or leave them for her "
            "to give online.",
            field="consent",
        )
    names = {"first_name": first_name.strip(), "last_name": last_name.strip()}
    if email is None:
        client = User.objects.create_without_email(**names)
    else:
        client = User.objects.create_user(email=email, **names)
        client.set_unusable_password()
        client.save(update_fields=["password"])
    clinic.registered_clients.add(client)
    safety_services.save_pregnancy_profile(
        client=client,
        due_date=due_date,
        due_date_source=PregnancyProfile.DueDateSource.SCAN,
        last_period_started_on=None,
        phone=phone.strip(),
        emergency_contact_name="",
        emergency_contact_phone="",
        recorded_by=registered_by,
        clinic=clinic,
    )
    if birth_date is not None:
        try:
            births.record_birth(
                client=client,
                birth_date=birth_date,
                delivery=delivery,
                recorded_by=registered_by,
                clinic=clinic,
            )
        except births.BirthError as error:
            raise FrontDeskError(str(error), field="birth_date") from error
    if consent:
        safety_services.record_intake(
            client=client,
            conditions=list(conditions or []),
            notes={},
            consent=True,
            recorded_by=registered_by,
            clinic=clinic,
        )
    safety_services.log_audit(
        actor=registered_by,
        client=client,
        clinic=clinic,
        action=AuditEntry.Action.REGISTERED_CLIENT,
        detail="Health answers taken on the phone" if consent else "No health answers yet",
    )
    if texts and phone.strip():
        # Her consent, as she gave it on the phone; her messages go by text from now on.
        set_message_channels(
            client=client,
            channels=User.MessageChannels.BOTH if email else User.MessageChannels.SMS,
            via="front desk",
        )
    if email is not None:
        invite(client=client, clinic=clinic)
    return client


def check_email_is_free(email: str) -> str:
    """The address as stored (NFKC, trimmed, case-folded), if no account has it yet."""
    email = normalise_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise FrontDeskError(
            "This e-mail address already has a Bolster account. Ask her to book online once, "
            "or to give the clinic another address.",
            field="email",
        )
    return email


def invite(*, client: User, clinic: Clinic) -> None:
    # An outbox row of this transaction: the e-mail leaves from a worker once it commits.
    notify(
        kind=Reminder.Notice.CLIENT_INVITATION, recipient=client, payload={"clinic_id": clinic.pk}
    )


@transaction.atomic
def add_email(*, client: User, email: str, clinic: Clinic, added_by: User) -> User:
    """Give a caller registered without an address one, and invite her to book online."""
    client = User.objects.select_for_update().get(pk=client.pk)
    if client.email:
        raise FrontDeskError("She already has an e-mail address.", field="email")
    client.email = check_email_is_free(email)
    try:
        with transaction.atomic():
            client.save(update_fields=["email"])
    except IntegrityError as error:
        # Taken by a sign-up between the check and the save.
        raise FrontDeskError(
            "This e-mail address already has a Bolster account.", field="email"
        ) from error
    safety_services.log_audit(
        actor=added_by,
        client=client,
        clinic=clinic,
        action=AuditEntry.Action.REGISTERED_CLIENT,
        detail="E-mail address added; invitation sent",
    )
    invite(client=client, clinic=clinic)
    return client
