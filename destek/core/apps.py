from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "destek.core"
    label = "core"

    def ready(self) -> None:
        from destek.core import checks  # noqa: F401  (registers the system checks)
