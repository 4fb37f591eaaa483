"""The status page's background work, one module per job (Celery finds them through here)."""

from destek.status.tasks import fanout, links, maintenance  # noqa: F401
