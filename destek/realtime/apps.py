from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "destek.realtime"
    label = "realtime"
