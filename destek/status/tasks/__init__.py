"""The status page's background work, one module per job (Celery finds them through here)."""

from destek.status import fanout_tasks  # noqa: F401
from destek.status.tasks import links, maintenance  # noqa: F401
