"""`{% incident_tickets_panel incident %}`: the linked tickets of an incident, with the
answer-all and resolve-linked forms, for whichever desk page includes it."""

from __future__ import annotations

from typing import Any

from django import template

from destek.status.link_panels import incident_tickets_panel as build_panel
from destek.status.models import Incident

register = template.Library()


@register.inclusion_tag("status/links/_panel.html", takes_context=True)
def incident_tickets_panel(context: dict[str, Any], incident: Incident) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_agent:
        return {"panel": None}
    return {"panel": build_panel(actor=user, incident=incident), "request": request,
            "csrf_token": context.get("csrf_token")}
