"""The e-mail of each outbox row: plain text, HTML and, where useful, a calendar file.

Written by the worker at send time from the ids in the row, never in a web request, so the
words and times are those of the moment it leaves. Every e-mail carries its row's
``Message-ID`` (``<reminder-<id>@bolster>``), the same on every attempt, so a repeat can be
recognised by mail systems and people.
"""

import datetime as dt
import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import get_language

from accounts.models import User
from accounts.services import set_password_url
from booking.calendar import CANCEL, REQUEST, ics_for_bookings
from booking.models import Booking, Plan, PlannedSession, Reminder
from booking.queries import attach_alternatives
from booking.services.changes import can_change_online, change_deadline
from booking.services.reminders import PLAN_END, is_same_day
from booking.services.session_links import session_link_token
from clinics.models import Clinic
from common.mail import QuickEmail
from common.urls import reverse_once, url_for_each
from safety.engine import NOT_MEDICAL_ADVICE, RED_FLAG_SYMPTOMS
from safety.models import Clearance, Severity

WHAT_TO_BRING = (
    "Wear loose, comfortable clothes and bring a bottle of water. Have a light snack an hour "
    "or so before, and bring your maternity notes if anything has changed since your last visit."
)


def message_id(reminder: Reminder) -> str:
    return f"<reminder-{reminder.pk}@bolster>"


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}"


def _email(
    reminder: Reminder,
    *,
    template: str,
    subject: str,
    context: dict,
    reply_to: str = "",
) -> EmailMultiAlternatives:
    message = QuickEmail(
        subject=" ".join(subject.split()),
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.recipient.email],
        reply_to=[reply_to] if reply_to else None,
        headers={"Message-ID": message_id(reminder)},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


# --- Reminders before a session ---------------------------------------------------------------


def _client_safety_notes(booking: Booking) -> list[str]:
    """What she should know from the session's open safety flags, in client words."""
    session_day = booking.slot.therapist.clinic.local_date(booking.starts_at)
    # The outbox reads them for a whole batch of reminders at once (``open_safety_flags``).
    flags = getattr(booking, "open_safety_flags", None)
    if flags is None:
        flags = list(booking.safety_flags.filter(closed_at__isnull=True).order_by("code"))
    cleared = set()
    if any(flag.severity == Severity.CLEARANCE for flag in flags):
        cleared = set(
            Clearance.objects.filter(client=booking.client)
            .covering(session_day)
            .values_list("code", flat=True)
        )
    notes = []
    for flag in flags:
        if flag.severity == Severity.CLEARANCE and flag.code not in cleared:
            notes.append(
                f"Clearance still needed: {flag.title}. Before this session your therapist "
                "needs a written note from your midwife or doctor saying massage is fine for "
                "you. Please bring it, or send it to the clinic beforehand."
            )
        elif flag.severity == Severity.BLOCK:
            notes.append(
                f"{flag.title}: this session cannot go ahead as things stand. "
                f"{flag.client_message} Please call the clinic."
            )
        elif flag.client_message:
            notes.append(flag.client_message)
    return notes


@functools.lru_cache(maxsize=1024)
def _date_in_words(day: dt.date, pattern: str, language: str) -> str:
    # Every reminder of a day's sessions names the same day: worded once, in her language.
    return dateformat.format(day, pattern)


def reminder_context(reminder: Reminder) -> dict:
    booking = reminder.booking
    session_link = url_for_each("booking:session_link", key="token")
    session_url = _absolute(session_link(session_link_token(booking)))
    therapist = booking.slot.therapist
    clinic = therapist.clinic
    starts = timezone.localtime(booking.starts_at, clinic.tz)
    change_until = timezone.localtime(change_deadline(booking), clinic.tz)
    language = get_language()
    return {
        "reminder": reminder,
        "booking": booking,
        "client": booking.client,
        "clinic": clinic,
        "therapist": therapist,
        "is_plan_end": reminder.kind == PLAN_END,
        "is_same_day": is_same_day(reminder.kind),
        "day": _date_in_words(starts.date(), "l j F Y", language),
        "time": f"{starts:%H:%M}",
        "zone": f"{starts.tzname()}, {clinic.time_label}",
        "address_lines": [line for line in clinic.address.splitlines() if line.strip()],
        "what_to_bring": WHAT_TO_BRING,
        "safety_notes": _client_safety_notes(booking),
        "not_medical_advice": NOT_MEDICAL_ADVICE,
        "red_flag_symptoms": RED_FLAG_SYMPTOMS,
        "manage_url": _absolute(url_for_each("booking:booking")(booking.pk)),
        "checkin_url": _absolute(url_for_each("care:checkin", key="booking_id")(booking.pk)),
        # Move and cancel links only while they still work: never a page saying "too late".
        # They are signed for this one session and work without logging in until online
        # changes close (``booking.services.session_links``).
        "can_change": can_change_online(booking),
        # In words and in the clinic's time, like the session's own time above.
        "change_until": (
            f"{_date_in_words(change_until.date(), 'l j F', language)}, {change_until:%H:%M}"
        ),
        "move_url": f"{session_url}?move=1",
        "cancel_url": session_url,
        "book_more_url": _absolute(url_for_each("booking:clinic", key="slug")(clinic.slug)),
        "preferences_url": _absolute(reverse_once("booking:reminder_preferences")),
    }


def reminder_message(reminder: Reminder) -> EmailMultiAlternatives:
    """The reminder e-mail: plain text, HTML and the session as a calendar file."""
    context = reminder_context(reminder)
    # Written once, as plain words for the header; the HTML's title escapes it.
    context["subject"] = render_to_string("booking/email/reminder_subject.txt", context)
    message = _email(
        reminder,
        template="booking/email/reminder",
        subject=context["subject"],
        context=context,
        reply_to=context["clinic"].email,
    )
    message.attach("session.ics", ics_for_bookings([reminder.booking]), "text/calendar")
    return message


# --- Notices: booked, moved, cancelled --------------------------------------------------------


def _bookings(ids) -> list[Booking]:
    return list(
        Booking.objects.filter(pk__in=ids)
        .select_related("client", "slot__therapist__clinic")
        .order_by("starts_at")
    )


def _session_url(bookings: list[Booking]) -> str:
    """Straight to the session (or the plan), not to a list she has to search."""
    first = bookings[0]
    if len(bookings) == 1:
        return _absolute(reverse("booking:booking", kwargs={"pk": first.pk}))
    if first.plan_id:
        return _absolute(reverse("booking:plan_detail", kwargs={"pk": first.plan_id}))
    return _absolute(reverse("booking:my_bookings"))


def _session_notice(
    reminder: Reminder,
    *,
    template: str,
    subject: str,
    bookings: list[Booking],
    ics_method: str = REQUEST,
    **extra,
) -> EmailMultiAlternatives:
    """A notice about her sessions, with a calendar file asking her calendar to add or update
    them (``REQUEST``) or to remove them (``CANCEL``)."""
    clinic = bookings[0].slot.therapist.clinic
    context = {
        "client": bookings[0].client,
        "clinic": clinic,
        "bookings": bookings,
        "site_url": settings.SITE_URL,
        "my_bookings_url": _absolute(reverse("booking:my_bookings")),
        "session_url": _session_url(bookings),
        "rebook_url": _absolute(reverse("booking:clinic", kwargs={"slug": clinic.slug})),
        **extra,
    }
    message = _email(
        reminder,
        template=f"booking/email/{template}",
        subject=subject,
        context=context,
        reply_to=clinic.email,
    )
    message.attach(
        "bolster-sessions.ics",
        ics_for_bookings(bookings, method=ics_method),
        f"text/calendar; method={ics_method}",
    )
    return message


def booked_message(reminder: Reminder) -> EmailMultiAlternatives:
    bookings = _bookings(reminder.payload["booking_ids"])
    count = len(bookings)
    subject = (
        "Your prenatal massage is booked"
        if count == 1
        else f"Your plan of {count} prenatal massage sessions is booked"
    )
    return _session_notice(reminder, template="booked", subject=subject, bookings=bookings)


def moved_message(reminder: Reminder) -> EmailMultiAlternatives:
    old = Booking.objects.select_related("slot__therapist__clinic").get(
        pk=reminder.payload["old_id"]
    )
    return _session_notice(
        reminder,
        template="moved",
        subject="Your prenatal massage has moved",
        bookings=_bookings([reminder.booking_id]),
        old=old,
    )


def cancelled_message(reminder: Reminder) -> EmailMultiAlternatives:
    bookings = _bookings(reminder.payload["booking_ids"])
    by_clinic = reminder.payload["by"] == Booking.CancelledBy.CLINIC
    subject = (
        "The clinic had to cancel your prenatal massage"
        if by_clinic
        else "Your prenatal massage is cancelled"
    )
    return _session_notice(
        reminder,
        template="cancelled",
        subject=subject if len(bookings) == 1 else subject.replace("massage", "massage sessions"),
        bookings=bookings,
        ics_method=CANCEL,
        by_clinic=by_clinic,
        reason=reminder.payload.get("reason", ""),
    )


def _session_blocked(reminder: Reminder, *, audience: str) -> EmailMultiAlternatives:
    """She, or her therapist, learns that a booked session can no longer go ahead as it stands."""
    booking = Booking.objects.select_related(
        "client", "slot__therapist__clinic", "slot__therapist__user"
    ).get(pk=reminder.booking_id)
    clinic = booking.slot.therapist.clinic
    context = {
        "booking": booking,
        "clinic": clinic,
        "therapist": booking.slot.therapist,
        "starts_at": timezone.localtime(booking.starts_at, clinic.tz),
        "flags": list(booking.safety_flags.filter(closed_at__isnull=True, severity=Severity.BLOCK)),
        "booking_url": _absolute(reverse("booking:booking", args=[booking.pk])),
        "review_url": _absolute(reverse("sessions:review", kwargs={"booking_id": booking.pk})),
    }
    template = f"safety/email/session_blocked_{audience}"
    return _email(
        reminder,
        template=template,
        subject=render_to_string(f"{template}_subject.txt", context),
        context=context,
        reply_to=clinic.email,
    )


# --- Rolling plans, a moved due date, the baby's arrival ----------------------------------------


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


def _plain_notice(
    reminder: Reminder, *, template: str, subject: str, clinic: Clinic | None, **context
) -> EmailMultiAlternatives:
    """A notice without a calendar file, signed by ``clinic`` when there is one."""
    context = {"clinic": clinic, "subject": subject, "site_url": settings.SITE_URL, **context}
    return _email(
        reminder,
        template=f"booking/email/{template}",
        subject=subject,
        context=context,
        reply_to=clinic.email if clinic else "",
    )


def plan_run_message(reminder: Reminder) -> EmailMultiAlternatives:
    """What her rolling plans booked in one run, and the dates they could not (with times)."""
    bookings = _bookings(reminder.payload["booking_ids"])
    missed = list(
        PlannedSession.objects.filter(pk__in=reminder.payload["missed_ids"])
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
    return _plain_notice(
        reminder,
        template="plan_run",
        subject=subject,
        clinic=clinic,
        client=reminder.recipient,
        bookings=bookings,
        missed=missed,
        my_bookings_url=_absolute(reverse("booking:my_bookings")),
    )


def due_date_moved_message(reminder: Reminder) -> EmailMultiAlternatives:
    client = User.objects.select_related("pregnancy_profile").get(pk=reminder.recipient_id)
    bookings = _bookings(reminder.payload["cancelled_ids"])
    plans = list(
        Plan.objects.filter(pk__in=reminder.payload["plan_ids"]).select_related("therapist__clinic")
    )
    clinic = _her_clinic(client, bookings) or (plans[0].therapist.clinic if plans else None)
    extend_urls = [
        _absolute(reverse("booking:extend_plan", kwargs={"pk": pk}))
        for pk in reminder.payload["extendable_ids"]
    ]
    return _plain_notice(
        reminder,
        template="due_date_moved",
        subject="Your due date has moved: your plan follows it",
        clinic=clinic,
        client=client,
        profile=client.pregnancy_profile,
        bookings=bookings,
        plans=plans,
        extend_urls=extend_urls,
        changes_url=_absolute(reverse("booking:due_date_changes")),
    )


def baby_arrived_message(reminder: Reminder) -> EmailMultiAlternatives:
    """Hers: congratulations, the sessions that were cancelled, and postnatal sessions."""
    client = User.objects.select_related("pregnancy_profile").get(pk=reminder.recipient_id)
    bookings = _bookings(reminder.payload["booking_ids"])
    return _plain_notice(
        reminder,
        template="baby_arrived",
        subject="Congratulations — your prenatal sessions are cancelled",
        clinic=_her_clinic(client, bookings),
        client=client,
        profile=client.pregnancy_profile,
        bookings=bookings,
        arrival_url=_absolute(reverse("booking:baby_arrived")),
    )


def baby_arrived_staff_message(reminder: Reminder) -> EmailMultiAlternatives:
    """A clinic admin's or therapist's: her sessions at that clinic are cancelled."""
    client = User.objects.select_related("pregnancy_profile").get(pk=reminder.payload["client_id"])
    return _plain_notice(
        reminder,
        template="baby_arrived_clinic",
        subject=f"{client.get_full_name() or client.email}: baby arrived, sessions cancelled",
        clinic=Clinic.objects.get(pk=reminder.payload["clinic_id"]),
        client=client,
        profile=client.pregnancy_profile,
        bookings=_bookings(reminder.payload["booking_ids"]),
    )


def sessions_on_hold_clinic_message(reminder: Reminder) -> EmailMultiAlternatives:
    """The clinic learns which of her sessions there a red-flag answer put on hold; addressed
    to the clinic's own e-mail, not to her."""
    bookings = Booking.objects.filter(pk__in=reminder.payload["booking_ids"]).select_related(
        "client", "slot__therapist__clinic"
    )
    held = sorted(bookings, key=lambda booking: booking.starts_at)
    clinic = Clinic.objects.get(pk=reminder.payload["clinic_id"])
    context = {
        "clinic": clinic,
        "client": reminder.recipient,
        "sessions": [
            {
                "starts_at": timezone.localtime(booking.starts_at, clinic.tz),
                "therapist": booking.slot.therapist.display_name,
                "review_url": _absolute(
                    reverse("sessions:review", kwargs={"booking_id": booking.pk})
                ),
            }
            for booking in held
        ],
    }
    template = "safety/email/sessions_on_hold_clinic"
    message = _email(
        reminder,
        template=template,
        subject=render_to_string(f"{template}_subject.txt", context),
        context=context,
    )
    message.to = [clinic.email]
    return message


# --- Account e-mails --------------------------------------------------------------------------


def invitation_message(reminder: Reminder) -> EmailMultiAlternatives:
    clinic_name = reminder.payload["clinic_name"]
    context = {
        "user": reminder.recipient,
        "invited_by": User.objects.filter(pk=reminder.payload.get("invited_by_id")).first(),
        "clinic_name": clinic_name,
        # Made now rather than when she was invited, so it is never stored in the outbox.
        "link": set_password_url(reminder.recipient),
    }
    return _email(
        reminder,
        template="accounts/email/invitation",
        subject=f"You're invited to {clinic_name} on Bolster",
        context=context,
    )


def client_invitation_message(reminder: Reminder) -> EmailMultiAlternatives:
    """The clinic registered her (she phoned): set a password, then check her answers."""
    clinic = Clinic.objects.get(pk=reminder.payload["clinic_id"])
    context = {
        "client": reminder.recipient,
        "clinic": clinic,
        # Made now rather than when she was registered, so it is never stored in the outbox.
        "link": set_password_url(reminder.recipient),
        "health_url": _absolute(reverse("safety:intake")),
    }
    return _email(
        reminder,
        template="accounts/email/client_invitation",
        subject=f"{clinic.name} has made you a Bolster account",
        context=context,
        reply_to=clinic.email,
    )


def password_reset_message(reminder: Reminder) -> EmailMultiAlternatives:
    user = reminder.recipient
    site = urlsplit(settings.SITE_URL)
    context = {
        "email": user.email,
        "user": user,
        "domain": site.netloc,
        "protocol": site.scheme,
        "site_name": "Bolster",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        # Made at send time: the token never sits in the outbox, and its validity runs from
        # the moment she can read it.
        "token": default_token_generator.make_token(user),
    }
    return _email(
        reminder,
        template="accounts/email/password_reset",
        subject=render_to_string("accounts/email/password_reset_subject.txt", context),
        context=context,
    )


def account_exists_message(reminder: Reminder) -> EmailMultiAlternatives:
    """Someone signed up with her address: the page said nothing, so this e-mail does."""
    context = {
        "user": reminder.recipient,
        "login_url": _absolute(reverse("accounts:login")),
        "reset_url": _absolute(reverse("accounts:password_reset")),
    }
    return _email(
        reminder,
        template="accounts/email/account_exists",
        subject="You already have a Bolster account",
        context=context,
    )


NOTICES: dict[str, Callable[[Reminder], EmailMultiAlternatives]] = {
    Reminder.Notice.BOOKED: booked_message,
    Reminder.Notice.MOVED: moved_message,
    Reminder.Notice.CANCELLED: cancelled_message,
    Reminder.Notice.SESSION_BLOCKED: lambda r: _session_blocked(r, audience="client"),
    Reminder.Notice.SESSION_BLOCKED_THERAPIST: lambda r: _session_blocked(r, audience="therapist"),
    Reminder.Notice.SESSIONS_ON_HOLD_CLINIC: sessions_on_hold_clinic_message,
    Reminder.Notice.INVITATION: invitation_message,
    Reminder.Notice.CLIENT_INVITATION: client_invitation_message,
    Reminder.Notice.PASSWORD_RESET: password_reset_message,
    Reminder.Notice.ACCOUNT_EXISTS: account_exists_message,
    Reminder.Notice.PLAN_RUN: plan_run_message,
    Reminder.Notice.DUE_DATE_MOVED: due_date_moved_message,
    Reminder.Notice.BABY_ARRIVED: baby_arrived_message,
    Reminder.Notice.BABY_ARRIVED_STAFF: baby_arrived_staff_message,
}


def register_notice(kind: str, compose: Callable[[Reminder], EmailMultiAlternatives]) -> None:
    """Apps above booking add the notices they write to the outbox (care: a session on hold)."""
    NOTICES[kind] = compose


def notice_email(
    reminder: Reminder, *, template: str, subject: str, context: dict, reply_to: str = ""
) -> EmailMultiAlternatives:
    """A registered notice's e-mail, with the outbox's Message-ID like every other."""
    return _email(reminder, template=template, subject=subject, context=context, reply_to=reply_to)


def compose(reminder: Reminder) -> EmailMultiAlternatives:
    """The e-mail for any outbox row: a notice by its kind, otherwise a session reminder."""
    return NOTICES.get(reminder.kind, reminder_message)(reminder)
