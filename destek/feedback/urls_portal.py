"""Complaints in the portal: /portal/complaints/."""

from django.urls import URLPattern, URLResolver, path

from destek.feedback import views_portal

app_name = "feedback_portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("new/", views_portal.complaint_new, name="complaint_new"),
]
