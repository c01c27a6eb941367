"""E-mails about her sessions (booked, moved, cancelled): plain text and HTML, clinic-local times.

Each is sent after the transaction that changed the booking commits, from the ids, so a
rolled-back booking never sends an e-mail and a mail server hiccup never undoes a booking.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from booking.calendar import CANCEL, REQUEST, ics_for_bookings
from booking.models import Booking

logger = logging.getLogger(__name__)


def _bookings(ids) -> list[Booking]:
    return list(
        Booking.objects.filter(pk__in=ids)
        .select_related("client", "slot__therapist__clinic")
        .order_by("starts_at")
    )


def _send(
    *,
    template: str,
    subject: str,
    bookings: list[Booking],
    attach_ics: bool,
    ics_method: str = REQUEST,
    **extra,
):
    client = bookings[0].client
    clinic = bookings[0].slot.therapist.clinic
    context = {
        "client": client,
        "clinic": clinic,
        "bookings": bookings,
        "site_url": settings.SITE_URL,
        "my_bookings_url": settings.SITE_URL + reverse("booking:my_bookings"),
        # Straight to the session (or the plan), not to a list she has to search.
        "session_url": settings.SITE_URL
        + (
            reverse("booking:booking", kwargs={"pk": bookings[0].pk})
            if len(bookings) == 1
            else reverse("booking:plan_detail", kwargs={"pk": bookings[0].plan_id})
            if bookings[0].plan_id
            else reverse("booking:my_bookings")
        ),
        "rebook_url": settings.SITE_URL + reverse("booking:clinic", kwargs={"slug": clinic.slug}),
        **extra,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"booking/email/{template}.txt", context),
        to=[client.email],
        reply_to=[clinic.email],
    )
    message.attach_alternative(
        render_to_string(f"booking/email/{template}.html", context), "text/html"
    )
    if attach_ics:
        message.attach(
            "bolster-sessions.ics",
            ics_for_bookings(bookings, method=ics_method),
            f"text/calendar; method={ics_method}",
        )
    message.send()


def _after_commit(func, **kwargs) -> None:
    def run():
        try:
            func(**kwargs)
        except Exception:
            # The booking stands; she still sees it on her page. Log and move on.
            logger.exception("Could not send %s for %s", func.__name__, kwargs)

    transaction.on_commit(run)


def send_booked(*, booking_ids: list[int]) -> None:
    bookings = _bookings(booking_ids)
    if not bookings:
        return
    count = len(bookings)
    subject = (
        "Your prenatal massage is booked"
        if count == 1
        else f"Your plan of {count} prenatal massage sessions is booked"
    )
    _send(template="booked", subject=subject, bookings=bookings, attach_ics=True)


def send_moved(*, old_id: int, new_id: int) -> None:
    old = Booking.objects.select_related("slot__therapist__clinic").get(pk=old_id)
    bookings = _bookings([new_id])
    _send(
        template="moved",
        subject="Your prenatal massage has moved",
        bookings=bookings,
        attach_ics=True,
        old=old,
    )


def send_cancelled(*, booking_ids: list[int], by: str, reason: str = "") -> None:
    bookings = _bookings(booking_ids)
    if not bookings:
        return
    by_clinic = by == Booking.CancelledBy.CLINIC
    subject = (
        "The clinic had to cancel your prenatal massage"
        if by_clinic
        else "Your prenatal massage is cancelled"
    )
    _send(
        template="cancelled",
        subject=subject if len(bookings) == 1 else subject.replace("massage", "massage sessions"),
        bookings=bookings,
        attach_ics=True,
        ics_method=CANCEL,
        by_clinic=by_clinic,
        reason=reason,
    )


def booked_after_commit(booking_ids: list[int]) -> None:
    _after_commit(send_booked, booking_ids=list(booking_ids))


def moved_after_commit(*, old_id: int, new_id: int) -> None:
    _after_commit(send_moved, old_id=old_id, new_id=new_id)


def cancelled_after_commit(*, booking_ids: list[int], by: str, reason: str = "") -> None:
    _after_commit(send_cancelled, booking_ids=list(booking_ids), by=by, reason=reason)


__all__ = [
    "booked_after_commit",
    "cancelled_after_commit",
    "moved_after_commit",
    "send_booked",
    "send_cancelled",
    "send_moved",
]
