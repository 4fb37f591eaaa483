"""Monitoring webhooks (Alertmanager, Uptime Kuma, signed JSON): /status/hooks/."""

from django.urls import URLPattern, URLResolver

app_name = "status_hooks"
urlpatterns: list[URLPattern | URLResolver] = []
