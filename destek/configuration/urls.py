"""Settings, mounted at /desk/settings/. Each section includes its own routes."""

from django.urls import path

from destek.configuration import urls_people_sla
from destek.configuration.views import index

app_name = "settings"
urlpatterns = [
    path("", index.index, name="index"),
    *urls_people_sla.urlpatterns,
]
