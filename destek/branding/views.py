"""The brand's stylesheet and images. Their URLs carry the version (`?v=`), so a response for
the current version may be cached for a year; any other asks again within a minute."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from destek.branding.brand import current
from destek.branding.models import SINGLETON_PK, Branding

YEAR = 365 * 24 * 3600


def _cache_headers(response: HttpResponse, request: HttpRequest, version: int) -> HttpResponse:
    fresh = request.GET.get("v") == str(version)
    response["Cache-Control"] = f"public, max-age={YEAR}, immutable" if fresh \
        else "public, max-age=60"
    return response


@require_GET
def stylesheet(request: HttpRequest) -> HttpResponse:
    brand = current()
    response = HttpResponse(brand.stylesheet(), content_type="text/css; charset=utf-8")
    return _cache_headers(response, request, brand.version)


def _image(request: HttpRequest, field: str) -> HttpResponse:
    row = (Branding.objects.filter(pk=SINGLETON_PK)
           .only(field, f"{field}_type", "version").first())
    if row is None or not getattr(row, f"{field}_type"):
        raise Http404("No image.")
    response = HttpResponse(bytes(getattr(row, field)),
                            content_type=getattr(row, f"{field}_type"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return _cache_headers(response, request, row.version)


@require_GET
def logo(request: HttpRequest) -> HttpResponse:
    return _image(request, "logo")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    return _image(request, "favicon")
