"""Celery tasks of the booking app: they take ids, are idempotent and call services."""
