from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "destek.api"
    label = "api"
