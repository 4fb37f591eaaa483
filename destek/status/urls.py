"""The public status page (no sign-in), its feed, badge and subscriptions: /status/."""

from django.urls import URLPattern, URLResolver, path

from destek.status import public_views, subscription_views

app_name = "status"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", public_views.page, name="page"),
    path("incidents/<int:incident_id>/", public_views.incident, name="incident"),
    path("feed.atom", public_views.feed, name="feed"),
    path("api/summary.json", public_views.summary, name="summary"),
    path("badge.svg", public_views.badge, name="badge"),
    path("subscribe/", subscription_views.subscribe, name="subscribe"),
    path("subscribe/done/", subscription_views.subscribe_done, name="subscribe_done"),
    path("subscriptions/confirm/<str:signed>/", subscription_views.subscription_confirm,
         name="subscription_confirm"),
    path("subscriptions/<str:token>/unsubscribe", subscription_views.subscription_unsubscribe,
         name="unsubscribe"),
    path("subscriptions/webhooks/", subscription_views.webhooks, name="webhooks"),
    path("subscriptions/webhooks/<int:subscription_id>/delete",
         subscription_views.webhook_delete, name="webhook_delete"),
]
