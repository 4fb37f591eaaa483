"""Settings, mounted at /desk/settings/. Each section includes its own routes."""

from django.urls import path

from destek.configuration import urls_people_sla
from destek.configuration.views import branding, canned, chat, email_templates, index, mailboxes

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
    path("mailboxes/", mailboxes.mailbox_list, name="mailboxes"),
    path("mailboxes/add/", mailboxes.mailbox_edit, name="mailbox_add"),
    path("mailboxes/<int:mailbox_id>/", mailboxes.mailbox_edit, name="mailbox_edit"),
    path("mailboxes/<int:mailbox_id>/test/", mailboxes.mailbox_test, name="mailbox_test"),
    path("mailboxes/<int:mailbox_id>/send-test/", mailboxes.mailbox_send_test,
         name="mailbox_send_test"),
    path("mailboxes/<int:mailbox_id>/oauth/", mailboxes.mailbox_oauth_start,
         name="mailbox_oauth_start"),
    path("mailboxes/oauth/callback/", mailboxes.mailbox_oauth_callback,
         name="mailbox_oauth_callback"),
    path("mailboxes/oauth-apps/<str:provider>/", mailboxes.oauth_app_edit, name="oauth_app"),
    path("email-templates/", email_templates.template_list, name="email_templates"),
    path("email-templates/<str:key>/<str:language>/", email_templates.template_edit,
         name="email_template_edit"),
    path("email-templates/<str:key>/<str:language>/preview/", email_templates.template_preview,
         name="email_template_preview"),
    path("email-templates/<str:key>/<str:language>/reset/", email_templates.template_reset,
         name="email_template_reset"),
]
