"""Incidents and tickets: linking, answering all linked tickets: /desk/incident-tickets/."""

from django.urls import URLPattern, URLResolver

app_name = "status_links"
urlpatterns: list[URLPattern | URLResolver] = []
