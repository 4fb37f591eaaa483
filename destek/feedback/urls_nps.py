"""The NPS survey: /feedback/nps/."""

from django.urls import URLPattern, URLResolver, path

from destek.feedback import nps_views

app_name = "feedback_nps"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", nps_views.report, name="report"),
    path("settings/", nps_views.settings_page, name="settings"),
    path("preference/", nps_views.preference, name="preference"),
    path("answer/<str:token>/<int:score>/", nps_views.answer, name="answer"),
    path("unsubscribe/<str:token>/", nps_views.unsubscribe, name="unsubscribe"),
]
