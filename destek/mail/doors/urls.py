"""/mail/inbound/<provider>/: the provider webhooks (destek.mail.doors.webhooks)."""

from django.urls import path, re_path

from destek.mail.doors.webhooks import inbound_webhook

app_name = "mail_inbound"
urlpatterns = [
    # "mime" in the URL makes Mailgun post the raw message (body-mime): the exact bytes.
    re_path(r"^mailgun_mime/$", inbound_webhook, {"provider": "mailgun"}, name="mailgun_mime"),
    path("<slug:provider>/", inbound_webhook, name="webhook"),
]
