"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "destek.settings")

from channels.routing import ProtocolTypeRouter, URLRouter
from django.conf import settings

from destek.core.asgi import get_http_application
from destek.core.origins import SiteOriginValidator

# Django's ASGI handler, with the (synchronous) middleware chain and view in one thread hop.
django_asgi_app = get_http_application()

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
            # The desk's and the chat console's sockets: only from Destek's own pages, checked
            # on the whole origin (scheme, host and port), destek.core.origins.
            SiteOriginValidator(
                AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, *agent_urlpatterns]))
            ),
        ),
    }
)

# Everything loaded so far (modules, URL patterns, templates…) lives as long as the process:
# move it out of the cyclic garbage collector's generations so that collections, which run
# every few hundred allocations while requests are served, stop traversing it (gc.freeze).
gc.collect()
gc.freeze()
