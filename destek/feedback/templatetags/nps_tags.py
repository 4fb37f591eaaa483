"""`{% nps_preference %}`: the portal profile's "Send me the occasional satisfaction survey"
checkbox (its own small form, posted to feedback_nps:preference)."""

from __future__ import annotations

from typing import Any

from django import template

from destek.feedback.nps import is_opted_out

register = template.Library()


@register.inclusion_tag("feedback/nps/_profile_preference.html", takes_context=True)
def nps_preference(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    show = bool(user is not None and user.is_authenticated and user.is_customer)
    subscribed = show and user is not None and not is_opted_out(user.pk)
    return {"request": request, "show": show, "csrf_token": context.get("csrf_token"),
            "nps_subscribed": subscribed}
