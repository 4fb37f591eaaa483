from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data, the embedded runner and the bench data generator: only `destek run` and
    bench/ use it (`destek seed`)."""

    name = "destek.demo"
    label = "demo"
