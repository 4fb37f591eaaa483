"""The public status page (no sign-in): the page, an incident's page, the Atom feed, the
summary JSON and the badge.

Fast and cacheable: the page's data (`selectors.status_page`, five queries) is kept in
Django's cache for `STATUS_CACHE_SECONDS`, so a burst of visitors costs one read a period;
every response carries `Cache-Control: …, max-age=…` and an ETag a browser or a proxy
revalidates with (304): `public` for the feed, JSON and badge, `private` for the HTML pages
(they carry the CSRF cookie; signed-in visitors also see dates in their own time zone).
The feed, JSON and badge are for other sites: `Access-Control-Allow-Origin: *`.
"""

from __future__ import annotations

import hashlib
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from destek.branding.brand import site_name
from destek.status.models import Component, ComponentStatus, Incident, IncidentState
from destek.status.selectors import StatusPage, feed_updates, incident_public_get, status_page
from destek.status.subscriptions import SubscribeForm

PAGE_CACHE_KEY = "status:public:page:v1"


def cache_seconds() -> int:
    return int(getattr(settings, "STATUS_CACHE_SECONDS", 30))


def cached_status_page() -> StatusPage:
    """The page's data, read at most once per `cache_seconds()` by this cache's users."""
    page = cache.get(PAGE_CACHE_KEY)
    if page is None:
        page = status_page()
        cache.set(PAGE_CACHE_KEY, page, cache_seconds())
    return page


def forget_status_page() -> None:
    cache.delete(PAGE_CACHE_KEY)


def _cacheable(request: HttpRequest, response: HttpResponse, *,
               version: str | None = None) -> HttpResponse:
    """Cache headers and an ETag; a 304 when the client has it.

    HTML pages (`version` given) are `private`: they carry the CSRF cookie (every page's
    forms and htmx headers use it), and a shared cache would hand one visitor's cookie to
    everyone. They are versioned by what they show (their data's time, the language and the
    visitor's time zone), not by their bytes, which hold a fresh CSRF token each time. The
    feed, JSON and badge hold nothing personal: `public` for anonymous clients, versioned by
    their body."""
    public = version is None and not request.user.is_authenticated
    response["Cache-Control"] = f"{'public' if public else 'private'}, " \
                                f"max-age={cache_seconds()}"
    if version is None:
        etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
    else:
        seen = f"{version}|{translation.get_language()}|{timezone.get_current_timezone_name()}" \
               f"|{request.user.pk}"
        etag = f'W/"{hashlib.sha256(seen.encode()).hexdigest()[:32]}"'
    response["ETag"] = etag
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    not_modified = get_conditional_response(request, etag=etag, response=response)
    return not_modified if not_modified is not None else response


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _language(request: HttpRequest) -> str:
    """?lang=tr|en when given, else the language LocaleMiddleware chose (cookie, account,
    Accept-Language)."""
    asked = (request.GET.get("lang") or "")[:2].lower()
    codes = {code for code, _name in settings.LANGUAGES}
    return asked if asked in codes else (translation.get_language() or "en")[:2]


@require_GET
def page(request: HttpRequest) -> HttpResponse:
    data = cached_status_page()
    response = render(request, "status/public/page.html", {
        "page": data, "form": SubscribeForm(components=data.components,
                                            initial=_subscribe_initial(request)),
    })
    return _cacheable(request, response, version=data.at.isoformat())


def _subscribe_initial(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {"email": user.email} if user.is_authenticated else {}


@require_GET
def incident(request: HttpRequest, incident_id: int) -> HttpResponse:
    try:
        found = incident_public_get(incident_id=incident_id)
    except Incident.DoesNotExist:
        raise Http404("No such incident.") from None
    response = render(request, "status/public/incident.html", {"incident": found})
    last = max((u.pk for u in found.updates.all()), default=0)
    return _cacheable(request, response,
                      version=f"{found.pk}:{found.updated_at.isoformat()}:{last}")


def _component_or_404(request: HttpRequest) -> Component | None:
    slug = request.GET.get("component")
    if not slug:
        return None
    component = Component.objects.filter(slug=slug, is_public=True).first()
    if component is None:
        raise Http404("No such component.")
    return component


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """Atom: one entry per update of a published incident or maintenance, newest first."""
    component = _component_or_404(request)
    language = _language(request)
    base = settings.BASE_URL
    with translation.override(language):
        title = _("%(site)s status") % {"site": site_name()}
        if component is not None:
            title = f"{title}: {component.localized_name(language)}"
        atom = Atom1Feed(title=title, link=f"{base}{reverse('status:page')}",
                         description=_("Incidents and maintenance"), language=language,
                         feed_url=request.build_absolute_uri())
        for update in feed_updates(component=component):
            incident = update.incident
            link = f"{base}{reverse('status:incident', args=[incident.pk])}"
            state = str(IncidentState(update.state).label)
            atom.add_item(
                title=f"{incident.localized_title(language)} — {state}",
                link=link, description=update.localized_body(language),
                unique_id=f"{link}#update-{update.pk}", pubdate=update.created_at,
                updateddate=update.created_at)
        body = atom.writeString("utf-8")
    response = HttpResponse(body, content_type="application/atom+xml; charset=utf-8")
    response["Content-Language"] = language
    return _cors(_cacheable(request, response))


def summary_data(data: StatusPage, language: str) -> dict[str, Any]:
    """The summary JSON's stable shape (docs/status-page.md)."""
    base = settings.BASE_URL

    def label(status: str) -> str:
        return str(ComponentStatus(status).label)

    def incident_row(incident: Incident) -> dict[str, Any]:
        updates = list(incident.updates.all())
        last = updates[-1] if updates else None
        return {
            "id": incident.pk, "kind": incident.kind, "title": incident.localized_title(language),
            "state": incident.state, "impact": incident.impact,
            "url": f"{base}{reverse('status:incident', args=[incident.pk])}",
            "components": [c.slug for c in incident.components.all()],
            "started_at": (incident.published_at or incident.created_at).isoformat(),
            "updated_at": incident.updated_at.isoformat(),
            "scheduled_start": incident.scheduled_start.isoformat()
            if incident.scheduled_start else None,
            "scheduled_end": incident.scheduled_end.isoformat()
            if incident.scheduled_end else None,
            "latest_update": None if last is None else {
                "state": last.state, "body": last.localized_body(language),
                "created_at": last.created_at.isoformat()},
        }

    with translation.override(language):
        return {
            "version": 1,
            "page": {"name": site_name(), "url": f"{base}{reverse('status:page')}",
                     "language": language, "generated_at": data.at.isoformat()},
            "status": {"indicator": data.status, "description": label(data.status)},
            "components": [{
                "slug": c.slug, "name": c.localized_name(language),
                "group": c.group.localized_name(language) if c.group else None,
                "status": c.status, "status_label": label(c.status),
                "uptime_90d": data.uptime[c.pk].percent,
                "updated_at": c.status_changed_at.isoformat(),
            } for c in data.components],
            "incidents": [incident_row(i) for i in data.active],
            "maintenance": [incident_row(i) for i in data.maintenance],
        }


@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    response = JsonResponse(summary_data(cached_status_page(), language),
                            json_dumps_params={"ensure_ascii": False})
    response["Content-Language"] = language
    return _cors(_cacheable(request, response))


BADGE_COLOURS = {
    ComponentStatus.OPERATIONAL.value: "#2e8540",
    ComponentStatus.MAINTENANCE.value: "#1f6feb",
    ComponentStatus.DEGRADED.value: "#b08800",
    ComponentStatus.PARTIAL_OUTAGE.value: "#d4640c",
    ComponentStatus.MAJOR_OUTAGE.value: "#c62828",
}


def _text_width(text: str) -> int:
    return 10 + round(6.5 * len(text))


def badge_svg(*, label: str, message: str, status: str) -> str:
    """A flat badge in the shape of shields.io's: grey label, coloured message."""
    left, right = _text_width(label), _text_width(message)
    total = left + right
    colour = BADGE_COLOURS.get(status, "#6e7781")
    label_x, message_x = left / 2, left + right / 2
    text = f"{label}: {message}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{escape(text, {chr(34): "&quot;"})}"><title>{escape(text)}</title>'
        f'<rect width="{left}" height="20" rx="3" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" rx="3" fill="{colour}"/>'
        f'<rect x="{left}" width="4" height="20" fill="{colour}"/>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" '
        f'font-size="11"><text x="{label_x}" y="14">{escape(label)}</text>'
        f'<text x="{message_x}" y="14">{escape(message)}</text></g></svg>')


@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    component = _component_or_404(request)
    language = _language(request)
    with translation.override(language):
        if component is None:
            status = cached_status_page().status
            label = _("status")
        else:
            status = component.status
            label = component.localized_name(language)
        message = str(ComponentStatus(status).label).lower()
        svg = badge_svg(label=str(label), message=message, status=status)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Language"] = language
    return _cors(_cacheable(request, response))
