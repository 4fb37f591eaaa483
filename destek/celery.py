"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import after_setup_logger, import_modules

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "destek.settings")

app = Celery("destek")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_filesystem_queue() -> None:
    """The embedded broker is a pair of folders; kombu expects them to exist."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@import_modules.connect
def _on_worker_import(**_kwargs: object) -> None:
    ensure_filesystem_queue()


@after_setup_logger.connect
def _on_logger(**_kwargs: object) -> None:
    ensure_filesystem_queue()
