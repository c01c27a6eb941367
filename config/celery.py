"""The Celery app: settings come from Django's (``CELERY_*``), tasks from every app."""

import os

from celery import Celery
from celery.signals import task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("bolster")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect(weak=False)
def _drop_stale_database_connections(task=None, **kwargs):
    # An eager task runs inside its caller's transaction, whose connection is not ours to drop.
    if not getattr(task.request, "is_eager", False):
        close_old_connections()
