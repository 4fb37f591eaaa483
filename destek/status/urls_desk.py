"""Agents' pages for components, incidents, maintenance and backups: /desk/incidents/."""

from django.urls import URLPattern, URLResolver, path

from destek.status.desk_views import components, incidents
from destek.status.progress_views import fanout_progress

app_name = "status_desk"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", incidents.incident_list, name="incidents"),
    path("new/", incidents.incident_new, name="incident_new"),
    path("maintenance/new/", incidents.maintenance_new, name="maintenance_new"),
    path("affected-count/", incidents.affected_count, name="affected_count"),
    path("<int:pk>/", incidents.incident_detail, name="incident"),
    path("<int:pk>/update/", incidents.incident_update, name="incident_update"),
    path("<int:pk>/publish/", incidents.incident_publish, name="incident_publish"),
    path("<int:pk>/components/", incidents.incident_components, name="incident_components"),
    path("<int:pk>/postmortem/", incidents.incident_postmortem, name="incident_postmortem"),
    path("components/", components.component_list, name="components"),
    path("components/new/", components.component_edit, name="component_add"),
    path("components/<int:pk>/", components.component_edit, name="component_edit"),
    path("components/<int:pk>/status/", components.component_status, name="component_status"),
    path("groups/new/", components.group_edit, name="group_add"),
    path("groups/<int:pk>/", components.group_edit, name="group_edit"),
    path("backups/new/", components.backup_edit, name="backup_add"),
    path("backups/<int:pk>/", components.backup_edit, name="backup_edit"),
    path("backups/<int:pk>/delete/", components.backup_delete, name="backup_delete"),
    # The sender's progress bar of a fan-out, polled while it sends.
    path("updates/<int:pk>/progress/", fanout_progress, name="fanout_progress"),
]
