"""CORS for the widget's endpoints only (django-cors-headers would be a global middleware
and a settings surface for five views; these rules are small and read at call time).

An allowed origin gets Access-Control-Allow-Origin for itself; no cookies are ever shared
cross-origin (no Allow-Credentials): the widget authenticates with its conversation token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from destek.livechat.chat_settings import allowed_origins

View = Callable[..., HttpResponseBase]


def same_origin(request: HttpRequest) -> bool:
    """No Origin (a same-origin GET) or an Origin naming the host the request came to."""
    origin = request.headers.get("Origin")
    if not origin:
        return True
    return urlsplit(origin).netloc == request.get_host()


def origin_allowed(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin", "")
    if same_origin(request):
        return True
    # Settings → Live chat (else DESTEK_CHAT_ALLOWED_ORIGINS): one cache read.
    return origin.rstrip("/").lower() in {o.rstrip("/").lower() for o in allowed_origins()}


def chat_cors(view: View) -> View:
    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        allowed = origin_allowed(request)
        if request.method == "OPTIONS":
            response: HttpResponseBase = HttpResponse(status=204 if allowed else 403)
        elif not allowed:
            response = JsonResponse({"error": _("This website may not use the chat.")},
                                    status=403)
        else:
            response = view(request, *args, **kwargs)
        origin = request.headers.get("Origin")
        if allowed and origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "600"
        response["Vary"] = "Origin"
        return response

    return wrapper
