"""The e-mail of a waitlist offer (the text is ``booking/texts.py``'s, from the payload)."""

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from booking.emails import notice_email
from booking.models import Reminder
from waitlist.models import Offer


def offer_message(reminder: Reminder) -> EmailMultiAlternatives:
    offer = Offer.objects.select_related("slot__therapist__clinic").get(
        pk=reminder.payload["offer_id"]
    )
    clinic = offer.slot.therapist.clinic
    context = {
        "offer": offer,
        "clinic": clinic,
        "therapist": offer.slot.therapist,
        "starts_at": timezone.localtime(offer.slot.starts_at, clinic.tz),
        "expires_at": timezone.localtime(offer.expires_at, clinic.tz) if offer.expires_at else None,
        "link": reminder.payload["link"],
    }
    return notice_email(
        reminder,
        template="waitlist/email/offer",
        subject=f"A time you waited for is free at {clinic.name}",
        context=context,
        reply_to=clinic.email,
    )
