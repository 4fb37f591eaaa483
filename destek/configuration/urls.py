"""Settings, mounted at /desk/settings/. Each section includes its own routes."""

from django.urls import path

from destek.configuration import urls_people_sla
from destek.configuration.views import branding, canned, chat, index

app_name = "settings"
urlpatterns = [
    path("", index.index, name="index"),
    *urls_people_sla.urlpatterns,
    path("canned/", canned.index, name="canned_responses"),
    path("canned/new/", canned.create, name="canned_response_new"),
    path("canned/<int:canned_id>/", canned.edit, name="canned_response_edit"),
    path("canned/<int:canned_id>/delete/", canned.delete, name="canned_response_delete"),
    path("chat/", chat.edit, name="chat"),
    path("branding/", branding.edit, name="branding"),
]
