"""The composition root as an app: connects the domain events to their subscribers
(destek.wiring) once every app is loaded, so that no product app has to know who listens."""

from django.apps import AppConfig

from destek import wiring


class DestekConfig(AppConfig):
    name = "destek"
    label = "destek"

    def ready(self) -> None:
        # The Celery app, so that every `shared_task` of this process sends through it
        # (destek/__init__.py no longer loads it on import).
        import destek.celery  # noqa: F401

        wiring.connect()
