"""Destek: open-source customer support for web-hosting companies.

The Celery application (destek.celery) is loaded when Django starts (destek.apps binds
`shared_task` to it) or when `celery_app` is asked for, not on every import of the package:
`destek mail-pipe`'s fast path imports a few standard-library modules and nothing else
(destek.mail.doors.pipe_client; Celery alone costs it about 0.1 s per message).
"""

from __future__ import annotations

__all__ = ["celery_app"]


def __getattr__(name: str) -> object:  # no `typing` import: see above
    if name == "celery_app":
        from destek.celery import app

        return app
    raise AttributeError(f"module 'destek' has no attribute {name!r}")
