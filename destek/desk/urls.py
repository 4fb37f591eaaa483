from django.urls import path

from destek.desk.views import (
    actions,
    audit,
    chat_panel,
    followers,
    links,
    macros,
    merge_confirm,
    queue,
    ratings,
    saved_views,
    service_link,
    sla,
    split,
    ticket,
)
from destek.privacy import erasure_views, export_views, retention_views

app_name = "desk"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("queue/rows/", queue.queue_rows_view, name="queue_rows"),
    path("bulk/", actions.bulk, name="bulk"),
    # Saved views: the queue's own tabs (destek.queues.saved_views).
    path("views/", saved_views.saved_view_new, name="saved_view_new"),
    path("views/tabs/", saved_views.saved_view_tabs, name="saved_view_tabs"),
    path("views/<int:view_id>/rename/", saved_views.saved_view_edit, name="saved_view_rename"),
    path("views/<int:view_id>/delete/", saved_views.saved_view_remove, name="saved_view_delete"),
    path("availability/", actions.availability, name="availability"),
    path("tickets/<int:ticket_id>/", ticket.ticket_view, name="ticket"),
    path("tickets/<int:ticket_id>/sla/", sla.ticket_sla, name="ticket_sla"),
    path("tickets/<int:ticket_id>/reply/", actions.reply, name="reply"),
    path("tickets/<int:ticket_id>/macro/", macros.apply, name="macro_apply"),
    path("tickets/<int:ticket_id>/update/", actions.update, name="update"),
    path("tickets/<int:ticket_id>/merge/", actions.merge, name="merge"),
    path("tickets/<int:ticket_id>/merge/confirm/", merge_confirm.merge_confirm,
         name="merge_confirm"),
    path("tickets/<int:ticket_id>/split/", split.split, name="split"),
    path("tickets/<int:ticket_id>/links/", links.link, name="link"),
    path("tickets/<int:ticket_id>/links/remove/", links.unlink, name="unlink"),
    path("tickets/<int:ticket_id>/follow/", followers.follow, name="follow"),
    path("mentions/", followers.mention_suggestions, name="mention_suggestions"),
    path("tickets/<int:ticket_id>/service/", service_link.ticket_service, name="ticket_service"),
    # The customer panel beside a chat in the console (livechat/_side.html loads it).
    path("chats/<int:conversation_id>/customer/", chat_panel.chat_customer_panel,
         name="chat_customer_panel"),
    path("attachments/<int:attachment_id>/", ticket.attachment, name="attachment"),
    # Customers' data rights, administrators only (destek.privacy).
    path("privacy/", export_views.privacy_search, name="privacy"),
    path("privacy/customers/<int:user_id>/", export_views.privacy_customer,
         name="privacy_customer"),
    path("privacy/customers/<int:user_id>/export/", export_views.privacy_export_request,
         name="privacy_export"),
    path("privacy/exports/<int:export_id>/status/", export_views.privacy_export_status,
         name="privacy_export_status"),
    path("privacy/exports/<int:export_id>/download/", export_views.privacy_export_download,
         name="privacy_export_download"),
    path("privacy/customers/<int:user_id>/erase/", erasure_views.erase, name="privacy_erase"),
    path("privacy/retention/", retention_views.retention, name="privacy_retention"),
    # The security audit log, administrators only (destek.audit).
    path("audit/", audit.audit_log, name="audit"),
    # Satisfaction ratings the agent received (feedback): newest first, with the average.
    path("ratings/", ratings.my_ratings, name="my_ratings"),
]
