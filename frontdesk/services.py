"""Front-desk operations that are not a booking: registering a caller as a client."""

import datetime as dt

from django.db import transaction

from accounts.models import User
from booking.models import Reminder
from booking.services.outbox import notify
from clinics.models import Clinic
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
    due_date: dt.date,
    conditions: list[str] | None = None,
    consent: bool = False,
) -> User:
    """Make an account for a caller, as the clinic's client, and e-mail her an invitation.

    Her due date and phone go on her pregnancy profile. Her health answers, when she gave
    them on the phone and agreed to us storing them, are recorded in her name by
    ``registered_by`` (and audited as such), so she can be booked straight away; the
    invitation asks her to set a password and check and complete them.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise FrontDeskError(
            "This e-mail address already has a Bolster account. Ask her to book online once, "
            "or to give the clinic another address.",
            field="email",
        )
    problem = due_date_entry_problem(due_date, today=clinic.today())
    if problem:
        raise FrontDeskError(problem, field="due_date")
    if conditions and not consent:
        raise FrontDeskError(
            "Tick that she agreed to us storing her health answers, or leave them for her "
            "to give online.",
            field="consent",
        )
    client = User.objects.create_user(
        email=email, first_name=first_name.strip(), last_name=last_name.strip()
    )
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
    # An outbox row of this transaction: the e-mail leaves from a worker once it commits.
    notify(
        kind=Reminder.Notice.CLIENT_INVITATION, recipient=client, payload={"clinic_id": clinic.pk}
    )
    return client
