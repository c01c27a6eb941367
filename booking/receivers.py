"""Booking follows her pregnancy details: safety announces changes, booking acts on them."""

from django.dispatch import receiver

from booking.services.flags import check_sessions_fit_due_date, reevaluate_future_bookings
from safety import signals


@receiver(signals.due_date_changing, dispatch_uid="booking.refuse_due_date_before_sessions")
def refuse_due_date_before_sessions(sender, *, client, due_date, **kwargs) -> None:
    check_sessions_fit_due_date(client=client, due_date=due_date)


@receiver(signals.answers_changed, dispatch_uid="booking.reevaluate_future_bookings")
def reevaluate_her_sessions(sender, *, client, **kwargs) -> None:
    reevaluate_future_bookings(client=client)
