"""Agents' pages for components, incidents, maintenance and backups: /desk/incidents/."""

from django.urls import URLPattern, URLResolver

app_name = "status_desk"
urlpatterns: list[URLPattern | URLResolver] = []
