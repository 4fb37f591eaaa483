"""Recoveries on the desk: /desk/feedback/."""

from django.urls import URLPattern, URLResolver, path

from destek.feedback import views_desk

app_name = "feedback_desk"
urlpatterns: list[URLPattern | URLResolver] = [
    path("recoveries/", views_desk.recoveries, name="recoveries"),
    path("recoveries/<int:recovery_id>/dismiss/", views_desk.dismiss, name="dismiss"),
]
