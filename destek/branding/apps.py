from django.apps import AppConfig


class BrandingConfig(AppConfig):
    name = "destek.branding"
    label = "branding"
