"""Messages about her plans and the end of her pregnancy, one small function per kind.

Each public function is called inside the transaction that caused the message and sends it
once that transaction commits, from ids, like ``booking.emails``: a rolled-back change sends
nothing and a mail server hiccup never undoes the change.
"""

import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from booking.emails import _after_commit
from booking.models import Booking, Plan, PlannedSession, Slot
from clinics.models import Clinic

logger = logging.getLogger(__name__)


def _absolute(url: str) -> str:
    return settings.SITE_URL + url


def _send(*, template: str, subject: str, to: list[str], clinic: Clinic | None, **context):
    context = {"clinic": clinic, "subject": subject, "site_url": settings.SITE_URL, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"booking/email/{template}.txt", context),
        to=to,
        reply_to=[clinic.email] if clinic else None,
    )
    message.attach_alternative(
        render_to_string(f"booking/email/{template}.html", context), "text/html"
    )
    message.send()


def _bookings(ids) -> list[Booking]:
    return list(
        Booking.objects.filter(pk__in=ids)
        .select_related("client", "slot__therapist__clinic", "slot__therapist__user")
        .order_by("starts_at")
    )


def _her_clinic(client: User, bookings: list[Booking]) -> Clinic | None:
    """The clinic that signs her message: that of the sessions concerned, else her latest."""
    if bookings:
        return bookings[0].slot.therapist.clinic
    latest = (
        Booking.objects.filter(client=client)
        .select_related("slot__therapist__clinic")
        .order_by("-starts_at")
        .first()
    )
    return latest.slot.therapist.clinic if latest else None


# --- The baby has arrived -----------------------------------------------------------------


def baby_arrived(*, client_id: int, booking_ids: list[int]) -> None:
    """Her message (what was cancelled, postnatal sessions) and one per clinic concerned."""
    _after_commit(send_baby_arrived, client_id=client_id, booking_ids=list(booking_ids))
    _after_commit(send_baby_arrived_to_clinics, client_id=client_id, booking_ids=list(booking_ids))


def send_baby_arrived(*, client_id: int, booking_ids: list[int]) -> None:
    client = User.objects.select_related("pregnancy_profile").get(pk=client_id)
    bookings = _bookings(booking_ids)
    clinic = _her_clinic(client, bookings)
    _send(
        template="baby_arrived",
        subject="Congratulations — your prenatal sessions are cancelled",
        to=[client.email],
        clinic=clinic,
        client=client,
        profile=client.pregnancy_profile,
        bookings=bookings,
        arrival_url=_absolute(reverse("booking:baby_arrived")),
    )


def send_baby_arrived_to_clinics(*, client_id: int, booking_ids: list[int]) -> None:
    """Each clinic, and the therapists of its cancelled sessions, in one message."""
    client = User.objects.select_related("pregnancy_profile").get(pk=client_id)
    by_clinic: dict[Clinic, list[Booking]] = defaultdict(list)
    for booking in _bookings(booking_ids):
        by_clinic[booking.slot.therapist.clinic].append(booking)
    for clinic, bookings in by_clinic.items():
        therapists = sorted({b.slot.therapist.user.email for b in bookings})
        _send(
            template="baby_arrived_clinic",
            subject=f"{client.get_full_name() or client.email}: baby arrived, sessions cancelled",
            to=[clinic.email, *therapists],
            clinic=clinic,
            client=client,
            profile=client.pregnancy_profile,
            bookings=bookings,
        )


# --- A rolling plan's run ------------------------------------------------------------------


def attach_alternatives(missed) -> None:
    """Each missed date's offered alternatives that are still free, as ``.alternatives``."""
    ids = {pk for planned in missed for pk in planned.alternative_slot_ids}
    free = {slot.pk: slot for slot in Slot.objects.free().filter(pk__in=ids)}
    for planned in missed:
        planned.alternatives = [free[pk] for pk in planned.alternative_slot_ids if pk in free]


def plan_run(*, client_id: int, booked_ids: list[int], missed_ids: list[int]) -> None:
    """One message per run: the dates her plans booked, and those they could not."""
    _after_commit(
        send_plan_run, client_id=client_id, booked_ids=list(booked_ids), missed_ids=missed_ids
    )


def send_plan_run(*, client_id: int, booked_ids: list[int], missed_ids: list[int]) -> None:
    client = User.objects.get(pk=client_id)
    bookings = _bookings(booked_ids)
    missed = list(
        PlannedSession.objects.filter(pk__in=missed_ids)
        .select_related("plan__therapist__clinic")
        .order_by("starts_at")
    )
    attach_alternatives(missed)
    clinic = bookings[0].slot.therapist.clinic if bookings else missed[0].plan.therapist.clinic
    count = len(bookings)
    subject = (
        f"Your plan booked {count} more session{'s' if count != 1 else ''}"
        if not missed
        else "Your plan: a date we could not book, and times to choose instead"
    )
    _send(
        template="plan_run",
        subject=subject,
        to=[client.email],
        clinic=clinic,
        client=client,
        bookings=bookings,
        missed=missed,
        my_bookings_url=_absolute(reverse("booking:my_bookings")),
    )


# --- Her due date moved --------------------------------------------------------------------


def due_date_moved(
    *, client_id: int, cancelled_ids: list[int], plan_ids: list[int], extendable_ids: list[int]
) -> None:
    _after_commit(
        send_due_date_moved,
        client_id=client_id,
        cancelled_ids=list(cancelled_ids),
        plan_ids=list(plan_ids),
        extendable_ids=list(extendable_ids),
    )


def send_due_date_moved(
    *, client_id: int, cancelled_ids: list[int], plan_ids: list[int], extendable_ids: list[int]
) -> None:
    client = User.objects.select_related("pregnancy_profile").get(pk=client_id)
    bookings = _bookings(cancelled_ids)
    plans = list(Plan.objects.filter(pk__in=plan_ids).select_related("therapist__clinic"))
    clinic = _her_clinic(client, bookings) or (plans[0].therapist.clinic if plans else None)
    _send(
        template="due_date_moved",
        subject="Your due date has moved: your plan follows it",
        to=[client.email],
        clinic=clinic,
        client=client,
        profile=client.pregnancy_profile,
        bookings=bookings,
        plans=plans,
        extend_urls=[
            _absolute(reverse("booking:extend_plan", kwargs={"pk": pk})) for pk in extendable_ids
        ],
        changes_url=_absolute(reverse("booking:due_date_changes")),
    )
