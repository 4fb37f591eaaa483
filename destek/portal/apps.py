from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "destek.portal"
    label = "portal"
