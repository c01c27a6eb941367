"""Celery tasks of the booking app: they take ids, are idempotent and call services."""

from celery import shared_task

from booking.services.slots import ensure_slots_for_horizon


@shared_task
def keep_slots_generated() -> int:
    """Hourly: lay out every active therapist's slots up to her clinic's booking horizon."""
    return ensure_slots_for_horizon()
