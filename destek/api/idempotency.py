"""The Idempotency-Key header → the intake funnel's external id.

The funnel deduplicates on (channel, external id) across all clients, so the key is namespaced
by the user and the operation: two clients that happen to pick the same key never see each
other's tickets, and a key used for a reply never returns a ticket opened with it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from destek.accounts.models import User
from destek.core.errors import ApplicationError

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200

PARAMETER = OpenApiParameter(
    name=HEADER, type=OpenApiTypes.STR, location=OpenApiParameter.HEADER, required=False,
    description=(
        "A client-chosen unique key (up to 200 printable ASCII characters). Retrying a request "
        "with the same key returns the result of the first one with status 200 instead of "
        "creating it again."
    ),
)


def idempotency_key(request: Request) -> str:
    """The header's value, validated; an empty string when the client sent none."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return ""
    if len(key) > MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise ApplicationError(
            _("The Idempotency-Key header must be at most %(max)d printable ASCII characters.")
            % {"max": MAX_KEY_LENGTH},
            field=HEADER,
        )
    return key


def external_id(*, user: User, operation: str, key: str) -> str:
    """The funnel's deduplication key for `key`; empty (no deduplication) without one."""
    if not key:
        return ""
    return f"api:{user.pk}:{operation}:{key}"
