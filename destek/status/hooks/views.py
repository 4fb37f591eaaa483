"""The three doors: POST /status/hooks/alertmanager/, /uptime-kuma/ and /generic/.

Each answers JSON: 200 with what each alert did; 400 for a body the provider would not send;
401 when the credentials are missing or wrong; 404 while the source is off (no secret, or
not enabled); 413 past DESTEK_STATUS_HOOKS_MAX_BYTES; 422 when a firing alert names no known
component (then nothing is created); 429 after too many failed attempts from one address."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from destek.core.sealing import Unreadable
from destek.status.hooks import alertmanager, auth, generic, uptime_kuma
from destek.status.hooks.alerts import Alert, PayloadError
from destek.status.hooks.incidents import alert_apply, check_components
from destek.status.models import IncidentSource, MonitoringSource

logger = logging.getLogger(__name__)

Authenticate = Callable[[HttpRequest, str, str, bytes], None]


def _error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    response = JsonResponse({"error": {"code": code, "message": message, **extra}},
                            status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="destek-status-hooks"'
    return response


def _max_bytes() -> int:
    return int(getattr(settings, "DESTEK_STATUS_HOOKS_MAX_BYTES", 256 * 1024))


def _read_body(request: HttpRequest) -> bytes | None:
    """The body, or None when it is larger than the limit."""
    limit = _max_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


def _by_token(request: HttpRequest, kind: str, secret: str, body: bytes) -> None:
    auth.check_token(request, kind=kind, secret=secret)


def _by_token_or_query(request: HttpRequest, kind: str, secret: str, body: bytes) -> None:
    auth.check_token(request, kind=kind, secret=secret, allow_query=True)


def _by_signature(request: HttpRequest, kind: str, secret: str, body: bytes) -> None:
    auth.check_signature(request, kind=kind, secret=secret, body=body)


def _receive(request: HttpRequest, *, kind: str, parse: Callable[[Any], list[Alert]],
             authenticate: Authenticate) -> JsonResponse:
    if request.method != "POST":
        response = _error(405, "method_not_allowed", _("Only POST is accepted here."))
        response["Allow"] = "POST"
        return response
    source = MonitoringSource.objects.filter(kind=kind, enabled=True).first()
    if source is None or not source.secret_sealed:
        return _error(404, "not_found", _("This monitoring source is not enabled."))
    try:
        auth.check_not_locked_out(request, kind=kind)
        body = _read_body(request)
        if body is None:
            return _error(413, "payload_too_large", _("The request body is too large."))
        try:
            secret = source.secret
        except Unreadable:
            logger.error("status hooks: the %s secret cannot be unsealed (SECRET_KEY "
                         "changed?); rotate it", kind)
            return _error(503, "unavailable", _("This monitoring source needs a new secret."))
        authenticate(request, kind, secret, body)
    except auth.Refused as refused:
        response = _error(refused.status, refused.code, refused.message)
        if refused.retry_after:
            response["Retry-After"] = str(refused.retry_after)
        return response
    try:
        alerts = parse(json.loads(body))
    except (ValueError, PayloadError) as error:  # JSONDecodeError is a ValueError
        return _error(400, "invalid", _("The payload is not valid: %(error)s")
                      % {"error": error})
    unknown = check_components(source=kind, alerts=alerts)
    if unknown:
        return _error(422, "unknown_component",
                      _("No component matches these alerts; nothing was created. Name a "
                        "component's slug in their labels (destek_component)."),
                      alerts=unknown)
    outcomes = [alert_apply(source=kind, alert=alert) for alert in alerts]
    return JsonResponse({"ok": True, "alerts": [o.as_json() for o in outcomes]})


@csrf_exempt
def alertmanager_hook(request: HttpRequest) -> JsonResponse:
    return _receive(request, kind=IncidentSource.ALERTMANAGER, parse=alertmanager.parse,
                    authenticate=_by_token)


@csrf_exempt
def uptime_kuma_hook(request: HttpRequest) -> JsonResponse:
    return _receive(request, kind=IncidentSource.UPTIME_KUMA, parse=uptime_kuma.parse,
                    authenticate=_by_token_or_query)


@csrf_exempt
def generic_hook(request: HttpRequest) -> JsonResponse:
    return _receive(request, kind=IncidentSource.WEBHOOK, parse=generic.parse,
                    authenticate=_by_signature)
