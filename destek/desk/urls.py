from django.urls import path

from destek.desk.views import actions, audit, queue, sla, ticket

app_name = "desk"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("queue/rows/", queue.queue_rows_view, name="queue_rows"),
    path("bulk/", actions.bulk, name="bulk"),
    path("availability/", actions.availability, name="availability"),
    path("tickets/<int:ticket_id>/", ticket.ticket_view, name="ticket"),
    path("tickets/<int:ticket_id>/sla/", sla.ticket_sla, name="ticket_sla"),
    path("tickets/<int:ticket_id>/reply/", actions.reply, name="reply"),
    path("tickets/<int:ticket_id>/update/", actions.update, name="update"),
    path("tickets/<int:ticket_id>/merge/", actions.merge, name="merge"),
    path("attachments/<int:attachment_id>/", ticket.attachment, name="attachment"),
    path("audit/", audit.audit_log, name="audit"),
]
