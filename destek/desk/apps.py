from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "destek.desk"
    label = "desk"
