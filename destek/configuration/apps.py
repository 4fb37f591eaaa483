from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "destek.configuration"
    label = "configuration"
