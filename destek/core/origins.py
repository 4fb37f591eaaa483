"""Destek's own WebSocket origin check: the full origin (scheme, host and port), not the host.

Channels' AllowedHostsOriginValidator compares only the Origin's host with ALLOWED_HOSTS, so a
page on `http://support.example.com:8080` (another origin, maybe another program on the same
machine) or on plain `http://` could open the desk's socket with the agent's cookies. A
handshake here is accepted only when its Origin is exactly one of:

- the origin of the handshake itself: the scheme it arrived by (ws → http, wss → https) and its
  Host header, when that host is in ALLOWED_HOSTS (what Django's CSRF check calls same-origin);
- the origin of DESTEK_BASE_URL (behind a TLS proxy the connection is ws, the page https);
- an entry of CSRF_TRUSTED_ORIGINS (the origins already trusted to post forms).

Settings are read on every handshake.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}
_HTTP_SCHEME = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


def normalize_origin(value: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) origin, with the default port filled in."""
    try:
        parts = urlsplit(value.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def host_allowed(hostname: str, allowed_hosts: list[str]) -> bool:
    """ALLOWED_HOSTS' rule: `*`, an exact name, or `.example.com` for it and its subdomains."""
    hostname = hostname.rstrip(".")
    for pattern in (p.lower() for p in allowed_hosts):
        if pattern == "*" or hostname == pattern.strip("[]") or (
                pattern.startswith(".") and (hostname == pattern[1:]
                                             or hostname.endswith(pattern))):
            return True
    return False


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            try:
                return bytes(value).decode("latin1")
            except UnicodeDecodeError:
                return None
    return None


def site_origins(scope: dict[str, Any]) -> set[tuple[str, str, int]]:
    """The origins a page of this site may have, for this handshake."""
    candidates = [settings.BASE_URL, *settings.CSRF_TRUSTED_ORIGINS]
    host = _header(scope, b"host")
    scheme = _HTTP_SCHEME.get(str(scope.get("scheme") or "ws"), "http")
    own = normalize_origin(f"{scheme}://{host}") if host else None
    if own is not None and host_allowed(own[1], settings.ALLOWED_HOSTS):
        candidates.append(f"{scheme}://{host}")
    return {o for o in map(normalize_origin, candidates) if o is not None}


def same_site_origin(scope: dict[str, Any]) -> bool:
    origin = _header(scope, b"origin")
    if origin is None:
        return False  # browsers always send one; a script outside a browser must too
    found = normalize_origin(origin)
    return found is not None and found in site_origins(scope)


class SiteOriginValidator:
    """ASGI middleware: WebSocket handshakes from another origin are refused (closed)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not same_site_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
