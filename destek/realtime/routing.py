"""WebSocket URLs, mounted by destek.asgi behind AuthMiddlewareStack and the origin check."""

from django.urls import path

from destek.realtime.consumers import DeskConsumer

websocket_urlpatterns = [
    path("ws/desk/", DeskConsumer.as_asgi()),
]
