"""The waitlist follows booking's announcements (connected in ``WaitlistConfig.ready``)."""

from django.db import transaction
from django.dispatch import receiver

from booking import signals
from waitlist import services


@receiver(signals.slots_freed, dispatch_uid="waitlist.offer_freed_slots")
def offer_freed_slots_after_commit(sender, *, slot_ids, **kwargs) -> None:
    # After the commit: the change may yet roll back, or block the slots it freed.
    ids = list(slot_ids)
    transaction.on_commit(lambda: services.enqueue_offers(ids))


@receiver(signals.session_booked, dispatch_uid="waitlist.close_entries_fitting")
def close_entries_she_no_longer_needs(sender, *, booking, **kwargs) -> None:
    services.close_entries_fitting(booking)
