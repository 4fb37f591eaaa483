"""The one place where errors become HTTP responses for the API.

Every error body has the same shape::

    {"error": {"code": "invalid", "message": "A subject is required.", "field": "subject"}}

Validation errors also carry ``fields``: every message per field, as DRF reports them.
Anything not listed here is a bug and stays a 500 (logged by Django).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from destek.core.errors import ApplicationError

__all__ = ["PayloadTooLarge", "exception_handler", "page_not_found"]

_CODES_BY_STATUS = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "payload_too_large"


def _body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def _first_error(detail: Any, path: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]]:
    """The first message in a nested DRF error structure, and where it was found."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            return _first_error(value, (*path, str(key)))
    if isinstance(detail, list):
        for item in detail:
            if item:
                return _first_error(item, path)
        return "", path
    return str(detail), path


def _validation_response(detail: Any) -> Response:
    if not isinstance(detail, dict):
        detail = {"non_field_errors": detail if isinstance(detail, list) else [detail]}
    message, path = _first_error(detail)
    field = ".".join(path) if path and path[0] != "non_field_errors" else None
    return Response(_body("invalid", message or _("The request is not valid."), field,
                          fields=detail), status=400)


def _api_exception_response(exc: exceptions.APIException) -> Response:
    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(exc.detail)
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(int(wait))
    code = _CODES_BY_STATUS.get(exc.status_code)
    if code is None:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
    detail = exc.detail
    message = str(detail) if not isinstance(detail, list | dict) else _first_error(detail)[0]
    return Response(_body(code, message), status=exc.status_code, headers=headers)


def _translate(exc: Exception) -> Exception | Response | None:
    """Django's and the domain's exceptions → a DRF exception or a finished response."""
    if isinstance(exc, ApplicationError):
        code = _CODES_BY_STATUS.get(exc.status_code, "invalid")
        return Response(_body(code, str(exc.message), exc.field), status=exc.status_code)
    if isinstance(exc, Http404):
        return exceptions.NotFound(_("Not found."))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError(exc.messages)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError(_("The request could not be read."))
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: ApplicationError, DRF and Django errors → one JSON shape."""
    translated = _translate(exc)
    if isinstance(translated, Response):
        response = translated
    elif isinstance(translated, exceptions.APIException):
        response = _api_exception_response(translated)
    else:
        return None
    set_rollback()
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The project's 404 handler (destek/urls.py): a URL under /api/ that matches no route
    (`/api/v1/tickets/-1/`) answers in the API's error shape, like every API error; every
    other path gets the site's 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse(_body("not_found", _("Not found.")), status=404)
    return defaults.page_not_found(request, exception)
