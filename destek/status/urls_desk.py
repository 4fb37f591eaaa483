"""Agents' pages for components, incidents, maintenance and backups: /desk/incidents/."""

from django.urls import URLPattern, URLResolver

app_name = "status_desk"
urlpatterns: list[URLPattern | URLResolver] = []

# sfanout: the sender's progress bar of a fan-out, polled while it sends (progress_views.py).
from django.urls import path  # noqa: E402

from destek.status.progress_views import fanout_progress  # noqa: E402

urlpatterns.append(path("updates/<int:pk>/progress/", fanout_progress, name="fanout_progress"))
