"""The monitoring sources' settings page: /desk/incidents/monitoring/."""

from django.urls import URLPattern, URLResolver, path

from destek.status.hooks import desk

app_name = "status_hooks_desk"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", desk.monitoring_sources, name="sources"),
]
