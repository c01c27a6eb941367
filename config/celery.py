"""The Celery app: settings come from Django's (``CELERY_*``), tasks from every app."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("bolster")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect(weak=False)
def _make_embedded_broker_folders(sender, **kwargs):
    # The filesystem broker of the embedded default (no REDIS_URL) needs its folders before
    # the first message; settings only name them, so importing settings writes nothing.
    if sender.conf.broker_url != "filesystem://":
        return
    options = sender.conf.broker_transport_options
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        Path(options[key]).mkdir(parents=True, exist_ok=True)


@task_prerun.connect(weak=False)
def _drop_stale_database_connections(task=None, **kwargs):
    # An eager task runs inside its caller's transaction, whose connection is not ours to drop.
    if not getattr(task.request, "is_eager", False):
        close_old_connections()
