"""Settings, mounted at /desk/settings/. Each section includes its own routes."""

from django.urls import path

from destek.configuration.views import index

app_name = "settings"
urlpatterns = [
    path("", index.index, name="index"),
]
