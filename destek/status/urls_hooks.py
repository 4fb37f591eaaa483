"""Monitoring webhooks (Alertmanager, Uptime Kuma, signed JSON): /status/hooks/."""

from django.urls import URLPattern, URLResolver, path

from destek.status.hooks import views

app_name = "status_hooks"
urlpatterns: list[URLPattern | URLResolver] = [
    path("alertmanager/", views.alertmanager_hook, name="alertmanager"),
    path("uptime-kuma/", views.uptime_kuma_hook, name="uptime_kuma"),
    path("generic/", views.generic_hook, name="generic"),
]
