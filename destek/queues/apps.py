from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "destek.queues"
    label = "queues"
