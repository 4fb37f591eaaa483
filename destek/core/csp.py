"""The Content-Security-Policy of every page (django-csp), and the two things it adds per response.

The policy itself is in settings.CONTENT_SECURITY_POLICY: scripts and styles only from Destek's
own origin or an element carrying the response's nonce (`{{ CSP_NONCE }}`), images from self
and `data:`, no plugins, no framing (as X-Frame-Options: DENY says). This module adds:

- the page's own WebSocket origin to connect-src (`ws://host` or `wss://host`): CSP level 3 lets
  'self' cover it, but older browsers do not, and the desk and the chat console need it;
- `allow_remote_images(response)`, which one response (a ticket view whose agent asked to see a
  message's remote images) uses to widen img-src for itself only.
"""

from __future__ import annotations

from typing import Any

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase

# The attribute django-csp reads for a per-response addition (what its @csp_update sets).
_UPDATE_ATTRIBUTE = "_csp_update"
# What django-csp's @csp_replace and Django's @xframe_options_exempt set on a response.
_REPLACE_ATTRIBUTE = "_csp_replace"
_XFRAME_EXEMPT_ATTRIBUTE = "xframe_options_exempt"


def add_to_policy(response: HttpResponseBase, directive: str, *sources: str) -> None:
    """Add `sources` to `directive` for this response only."""
    update: dict[str, Any] = dict(getattr(response, _UPDATE_ATTRIBUTE, None) or {})
    update[directive] = [*update.get(directive, ()), *sources]
    setattr(response, _UPDATE_ATTRIBUTE, update)


def allow_remote_images(response: HttpResponseBase) -> None:
    """This response may load images from any web host (what the agent asked for)."""
    add_to_policy(response, "img-src", "https:", "http:")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with connect-src naming this page's own WebSocket origin."""

    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase,
                         report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request=request, response=response,
                                         report_only=report_only)
        try:
            host = request.get_host()
        except DisallowedHost:  # the response is an error page anyway
            return parts
        scheme = "wss" if request.is_secure() else "ws"
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", ()), f"{scheme}://{host}"]
        parts.update = update
        return parts


def allow_framing_by(response: HttpResponseBase, origins: list[str] | tuple[str, ...]) -> None:
    """This response may be shown in a frame on `origins` only (an embeddable page): its
    frame-ancestors names them and X-Frame-Options is left off (it cannot name an origin)."""
    if not origins:
        return
    replace: dict[str, Any] = dict(getattr(response, _REPLACE_ATTRIBUTE, None) or {})
    replace["frame-ancestors"] = list(origins)
    setattr(response, _REPLACE_ATTRIBUTE, replace)
    setattr(response, _XFRAME_EXEMPT_ATTRIBUTE, True)
