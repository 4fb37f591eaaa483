"""The one way to write to the audit log."""

from __future__ import annotations

import hashlib
from typing import Any

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from destek.audit.models import Action, AuditEvent

__all__ = ["Action", "client_address", "record", "record_at_most_every"]


def client_address(request: HttpRequest) -> str | None:
    """The client's address with the configured trusted proxies applied, as the sign-in
    limits count it (ALLAUTH_TRUSTED_PROXY_COUNT), through allauth's public adapter."""
    try:
        return get_adapter(request).get_client_ip(request) or None
    except PermissionDenied:  # the adapter's answer when no address can be found
        return None


def record(
    action: Action, *, actor: Any = None, request: HttpRequest | None = None,
    target: str = "", actor_label: str = "", **detail: Any,
) -> AuditEvent:
    """Append one event. `request` supplies the client address (trusted proxies applied,
    as the sign-in limits do) and the browser; `actor` defaults to its signed-in user.
    `actor_label`: who, when there is no account to point at (the address a failed sign-in
    tried). `detail` is stored as JSON: never put a secret (password, token, code) in it."""
    ip: str | None = None
    user_agent = ""
    if request is not None:
        ip = client_address(request)
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:255]
        if actor is None and getattr(request, "user", None) is not None \
                and request.user.is_authenticated:
            actor = request.user
    return AuditEvent.objects.create(
        action=action, actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(getattr(actor, "email", "") or actor_label or "")[:254], ip=ip,
        user_agent=user_agent, target=target[:120], detail=detail,
    )


def record_at_most_every(
    seconds: int, action: Action, *, key: str, actor: Any = None,
    request: HttpRequest | None = None, target: str = "", **detail: Any,
) -> AuditEvent | None:
    """`record`, unless an event with the same `key` (and client address) was recorded in the
    last `seconds`. For facts that happen on every request, such as a token being used: one
    row per token, address and hour says who used it from where without a write per request.
    The check is one atomic cache `add` (Redis or the process's memory); `key` is hashed, so
    a secret (a token) can serve as the key without being stored in the cache."""
    ip = client_address(request) if request is not None else None
    digest = hashlib.sha256(f"{action}|{key}|{ip}".encode()).hexdigest()[:32]
    if not cache.add(f"audit:seen:{digest}", 1, timeout=seconds):
        return None
    return record(action, actor=actor, request=request, target=target, **detail)
