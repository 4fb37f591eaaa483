"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "destek.settings")

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402

from destek.core.security import ensure_secure_secret  # noqa: E402
from destek.livechat.routing import (  # noqa: E402
    VisitorOrElse,
    agent_urlpatterns,
    visitor_application,
)
from destek.realtime.routing import websocket_urlpatterns  # noqa: E402

ensure_secure_secret(debug=settings.DEBUG, key=settings.SECRET_KEY,
                     from_env=settings.SECRET_KEY_FROM_ENV)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The chat widget's socket comes from customers' websites (its own origin list).
        "websocket": VisitorOrElse(
            visitor_application(),
            AllowedHostsOriginValidator(
                AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, *agent_urlpatterns]))
            ),
        ),
    }
)
