"""/desk/incidents/monitoring/: administrators see each monitoring source's address, turn it
on or off, and show or rotate its secret."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from destek.accounts.web import acting_user, admin_required
from destek.core.sealing import Unreadable
from destek.status.hooks.sources import KINDS, source_list, source_rotate, source_set_enabled

DOORS = {"alertmanager": "status_hooks:alertmanager",
         "uptime_kuma": "status_hooks:uptime_kuma",
         "webhook": "status_hooks:generic"}


@admin_required
@require_http_methods(["GET", "POST"])
def monitoring_sources(request: HttpRequest) -> HttpResponse:
    shown: dict[str, str] = {}  # kind → secret to show on this answer only
    if request.method == "POST":
        kind, action = request.POST.get("kind", ""), request.POST.get("action", "")
        actor = acting_user(request)
        if kind in KINDS:
            if action == "rotate":
                shown[kind] = source_rotate(actor=actor, kind=kind, request=request)[1]
            elif action in ("enable", "disable"):
                secret = source_set_enabled(actor=actor, kind=kind,
                                            enabled=action == "enable", request=request)[1]
                if secret:
                    shown[kind] = secret
            elif action == "show":
                for source in source_list():
                    if source.kind == kind and source.secret_sealed:
                        try:
                            shown[kind] = source.secret
                        except Unreadable:
                            shown[kind] = ""
    rows = []
    for source in source_list():
        rows.append({
            "source": source,
            "url": request.build_absolute_uri(reverse(DOORS[source.kind])),
            "secret": shown.get(source.kind, ""),
            "has_secret": bool(source.secret_sealed),
        })
    return TemplateResponse(request, "status/hooks/monitoring.html", {"rows": rows})
