"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import (
    after_setup_logger,
    import_modules,
    task_postrun,
    task_prerun,
    worker_init,
)
from django.conf import settings
from django.db import close_old_connections

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


# Database connections in a worker. Celery's Django fix-up closes them before and after every
# task, and on prefork the whole psycopg pool too: every task opened a new pool (about three
# PostgreSQL sessions a task; issue 14). A worker process runs one task at a time, so it keeps
# ONE connection instead of a pool, and between tasks Django's own request-boundary rule
# decides (close_old_connections: replaced when an error left it unusable, when a task left a
# transaction open, or when the next task's health check fails, e.g. after a database
# restart). The fix-up still closes what a forked child inherited, and recycles a connection
# after CELERY_DB_REUSE_MAX tasks (settings.py). The web processes keep their pool.


@worker_init.connect
def _on_worker_init(**_kwargs: object) -> None:
    # Before the first connection and the fork: every worker process starts with this shape
    # (SQLite keeps its own: a file opened per task costs nothing).
    for database in settings.DATABASES.values():
        if database["ENGINE"] != "django.db.backends.sqlite3":
            database.get("OPTIONS", {}).pop("pool", None)
            database["CONN_MAX_AGE"] = None  # persistent; health-checked before each task
    task_prerun.connect(_close_old_connections)
    task_postrun.connect(_close_old_connections)


def _close_old_connections(sender: Any = None, **_kwargs: object) -> None:
    # An eager task runs inside its caller's request or transaction: leave that alone.
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()
