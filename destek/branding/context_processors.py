"""`brand` in every template (base.html's brand block, head links, page titles), read lazily:
a fragment that never shows it costs nothing, a page that does costs one cache read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from destek.branding.brand import current


def brand(request: HttpRequest) -> dict[str, Any]:
    return {"brand": SimpleLazyObject(current)}
