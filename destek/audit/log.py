"""The one way to write to the audit log."""

from __future__ import annotations

from typing import Any

from allauth.core.internal.httpkit import get_client_ip
from django.http import HttpRequest

from destek.audit.models import Action, AuditEvent

__all__ = ["Action", "record"]


def record(
    action: Action, *, actor: Any = None, request: HttpRequest | None = None,
    target: str = "", **detail: Any,
) -> AuditEvent:
    """Append one event. `request` supplies the client address (trusted proxies applied,
    as the sign-in limits do) and the browser; `actor` defaults to its signed-in user."""
    ip: str | None = None
    user_agent = ""
    if request is not None:
        ip = get_client_ip(request) or None
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:255]
        if actor is None and getattr(request, "user", None) is not None \
                and request.user.is_authenticated:
            actor = request.user
    return AuditEvent.objects.create(
        action=action, actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "email", "") or "", ip=ip, user_agent=user_agent,
        target=target[:120], detail=detail,
    )
