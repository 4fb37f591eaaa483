"""The chat console and supervision, mounted at /desk/chat/."""

from django.urls import path

from destek.livechat.views import desk

app_name = "livechat_desk"
urlpatterns = [
    path("", desk.console, name="console"),
    path("waiting/", desk.waiting, name="waiting"),
    path("status/", desk.status, name="status"),
    path("supervisor/", desk.supervisor, name="supervisor"),
    path("supervisor/rows/", desk.supervisor_rows, name="supervisor_rows"),
    path("history/", desk.history, name="history"),
    path("files/<int:attachment_id>/", desk.attachment, name="attachment"),
    path("<int:conversation_id>/", desk.transcript, name="transcript"),
    path("<int:conversation_id>/side/", desk.side_panel, name="side"),
    path("<int:conversation_id>/upload/", desk.upload, name="upload"),
    path("<int:conversation_id>/canned/<int:canned_id>/", desk.canned, name="canned"),
    path("<int:conversation_id>/<str:what>/", desk.action, name="action"),
]
