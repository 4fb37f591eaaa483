"""Incidents and tickets: linking, answering all linked tickets: /desk/incident-tickets/."""

from django.urls import URLPattern, URLResolver, path

from destek.status import link_views

app_name = "status_links"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:incident_id>/", link_views.incident_tickets, name="incident_tickets"),
    path("<int:incident_id>/answer/", link_views.answer, name="answer"),
    path("<int:incident_id>/resolve/", link_views.resolve, name="resolve"),
    path("replies/<int:reply_id>/progress/", link_views.progress, name="progress"),
    path("tickets/<int:ticket_id>/link/", link_views.link, name="link"),
    path("tickets/<int:ticket_id>/unlink/", link_views.unlink, name="unlink"),
]
