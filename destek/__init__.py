"""Destek: open-source customer support for web-hosting companies."""

from destek.celery import app as celery_app

__all__ = ["celery_app"]
