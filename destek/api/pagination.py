"""Keyset pagination over HTTP: the domain's cursor, signed, carried in the `next` link.

The domain cursor holds the last row's sort key. Signing it (together with the sort it belongs
to) means a client cannot forge values the database would reject, nor reuse a cursor with
another sort order; a bad cursor is a 400, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from destek.core.errors import ApplicationError

_SIGNER_SALT = "destek.api.cursor"
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25


def sign_cursor(cursor: str, *, scope: str) -> str:
    return signing.Signer(salt=_SIGNER_SALT).sign(f"{scope}|{cursor}")


def unsign_cursor(value: str | None, *, scope: str) -> str | None:
    """The domain cursor inside a signed one; ApplicationError when it was tampered with."""
    if not value:
        return None
    try:
        unsigned = signing.Signer(salt=_SIGNER_SALT).unsign(value)
    except signing.BadSignature:
        raise ApplicationError(_("The cursor is not valid."), field="cursor") from None
    cursor_scope, _sep, cursor = unsigned.partition("|")
    if cursor_scope != scope or not cursor:
        raise ApplicationError(_("The cursor does not belong to this listing."), field="cursor")
    return cursor


def next_link(request: Request, cursor: str | None, *, scope: str) -> str | None:
    if cursor is None:
        return None
    url = request.build_absolute_uri()
    return str(replace_query_param(url, "cursor", sign_cursor(cursor, scope=scope)))


class PageParams(serializers.Serializer):
    """Query parameters every keyset-paginated list accepts."""

    cursor = serializers.CharField(required=False, allow_blank=True, max_length=1000,
                                   help_text="Opaque cursor from the previous page's `next`.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE,
                                     default=DEFAULT_PAGE_SIZE)


def page_body(results: Any, next_url: str | None) -> dict[str, Any]:
    return {"results": results, "next": next_url}
