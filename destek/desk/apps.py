from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "destek.desk"
    label = "desk"

    def ready(self) -> None:
        # Cache invalidation only: the options snapshot reloads when its rows change.
        from destek.desk.choices import connect_invalidation

        connect_invalidation()
