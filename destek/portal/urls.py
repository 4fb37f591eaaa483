from django.urls import path

from destek.portal.views import downloads, guest, profile, tickets
from destek.portal.views import rating as rating_views
from destek.portal.views import reopen as reopen_views
from destek.privacy import export_views

app_name = "portal"
urlpatterns = [
    path("", tickets.ticket_list, name="ticket_list"),
    path("tickets/new/", tickets.ticket_new, name="ticket_new"),
    path("tickets/<int:ticket_id>/", tickets.ticket_detail, name="ticket_detail"),
    path("tickets/<int:ticket_id>/reply/", tickets.ticket_reply, name="ticket_reply"),
    path("tickets/<int:ticket_id>/close/", tickets.ticket_close, name="ticket_close"),
    path("tickets/<int:ticket_id>/reopen/", tickets.ticket_reopen, name="ticket_reopen"),
    path("profile/", profile.profile, name="profile"),
    path("attachments/<int:attachment_id>/", downloads.attachment_download, name="attachment"),
    path("guest/<str:token>/", guest.guest_ticket, name="guest_ticket"),
    path("guest/<str:token>/reply/", guest.guest_reply, name="guest_reply"),
    path("guest/<str:token>/close/", guest.guest_close, name="guest_close"),
    path("guest/<str:token>/reopen/", guest.guest_reopen, name="guest_reopen"),
    path("guest/<str:token>/attachments/<int:attachment_id>/", guest.guest_attachment,
         name="guest_attachment"),
    # The one-click reopen link of the "resolved" email: GET confirms, POST reopens.
    path("reopen/<str:token>/", reopen_views.reopen_link, name="reopen_link"),
    # "How did we do?": the email's one-click answers (GET shows, POST records) and the
    # ticket page's form (feedback.ratings).
    path("rate/<str:token>/", rating_views.rating_link, name="rating_link"),
    path("tickets/<int:ticket_id>/rate/", rating_views.ticket_rate, name="ticket_rate"),
    path("guest/<str:token>/rate/", rating_views.guest_rate, name="guest_rate"),
    # The customer's own data (destek.privacy): "Your data", exports.
    path("data/", export_views.data_page, name="data"),
    path("data/export/", export_views.export_request_view, name="export_request"),
    path("data/exports/<int:export_id>/status/", export_views.export_status,
         name="export_status"),
    path("data/exports/<int:export_id>/download/", export_views.export_download,
         name="export_download"),
]
