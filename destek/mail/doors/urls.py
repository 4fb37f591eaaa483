"""/mail/inbound/<provider>/: the provider webhooks (destek.mail.doors.webhooks);
/mail/inbound/pipe/: the MTA pipe's hand-off (destek.mail.doors.pipe)."""

from django.urls import path, re_path

from destek.mail.doors.pipe import pipe_hand_off
from destek.mail.doors.webhooks import inbound_webhook

app_name = "mail_inbound"
urlpatterns = [
    path("pipe/", pipe_hand_off, name="pipe"),
    # "mime" in the URL makes Mailgun post the raw message (body-mime): the exact bytes.
    re_path(r"^mailgun_mime/$", inbound_webhook, {"provider": "mailgun"}, name="mailgun_mime"),
    path("<slug:provider>/", inbound_webhook, name="webhook"),
]
