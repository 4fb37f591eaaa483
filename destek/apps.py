"""The composition root as an app: connects the domain events to their subscribers
(destek.wiring) once every app is loaded, so that no product app has to know who listens."""

from django.apps import AppConfig

from destek import wiring


class DestekConfig(AppConfig):
    name = "destek"
    label = "destek"

    def ready(self) -> None:
        wiring.connect()
