"""The public status page (no sign-in), its feed, badge and subscriptions: /status/."""

from django.urls import URLPattern, URLResolver

app_name = "status"
urlpatterns: list[URLPattern | URLResolver] = []
