"""Celery tasks of the waitlist: they take ids, are idempotent and call services."""

from celery import shared_task

from waitlist import services


@shared_task
def offer_freed_slots(slot_ids: list[int]) -> int:
    """After a slot frees up: offer it to the waiting clients it fits (none twice)."""
    return len(services.offer_freed_slots(slot_ids=slot_ids))


@shared_task
def pass_on_expired_offers() -> int:
    """Every minute: holds that ran out go to the next in line; ended entries expire."""
    return services.pass_on_expired_offers()
