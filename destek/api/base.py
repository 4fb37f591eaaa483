"""What every API class shares: JSON in and out, the authenticated actor, error responses."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from destek.accounts.mfa import must_enrol_mfa
from destek.accounts.models import User
from destek.api.parsers import JSON_ONLY
from destek.api.serializers import ErrorSerializer
from destek.core.errors import PermissionDenied

MAX_ID = 2**63 - 1

_ERROR_DESCRIPTIONS = {
    400: "Bad input: the message says what to fix; `field` names the input at fault.",
    401: "No or invalid credentials (`Authorization: Token <key>` or a session).",
    403: "Authenticated, but not allowed to do this.",
    404: "No such object, or not one you may see.",
    413: "The request body is too large.",
    429: "Too many requests: retry after the `Retry-After` header's seconds.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses of an operation, for `extend_schema(responses=...)`."""
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[code])
            for code in (401, 429, *codes)}


class ApiView(APIView):
    """JSON only (no browsable API), so every response is the documented shape."""

    renderer_classes = [JSONRenderer]
    parser_classes = JSON_ONLY

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authenticates (session or token)
        # Staff without a required second factor: refused through a session and through a
        # token issued before the requirement alike.
        if must_enrol_mfa(request.user):
            raise PermissionDenied(_("Set up two-factor authentication before using the API."))

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # An Accept header we cannot honour still gets JSON (errors included), not a 406.
        return super().perform_content_negotiation(request, force=True)


def actor(request: Request) -> User:
    """The authenticated user (permission classes have already refused anonymous requests)."""
    return cast(User, request.user)
