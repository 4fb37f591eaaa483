"""The widget's public endpoints, mounted at /chat/."""

from django.urls import path

from destek.livechat.views import demo, public

app_name = "livechat"
urlpatterns = [
    path("demo/", demo.widget_demo, name="demo"),
    path("widget.js", public.widget_js, name="widget"),
    path("api/config", public.config, name="config"),
    path("api/start", public.start, name="start"),
    path("api/upload", public.upload, name="upload"),
    path("api/offline", public.offline, name="offline"),
    path("api/suggestions", public.suggestions, name="suggestions"),
    path("api/rate", public.rate, name="rate"),
    path("api/files/<int:attachment_id>/", public.visitor_file, name="file"),
]
