"""Text every door accepts: what a database and a UTF-8 page can hold.

JSON (`"\\ud800"`) and Python strings can carry a lone surrogate, which no UTF-8 encoder
writes, and a NUL, which PostgreSQL refuses in text columns. Either one reaching a model
raised deep in a service (a 500, or a socket dropped without a close code). The API gets the
same check from DRF's CharField validators; the chat's JSON endpoints and sockets ask here.
"""

from __future__ import annotations

from typing import Any


def is_storable_text(value: str) -> bool:
    """No NUL and no lone surrogate."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def all_text_storable(value: Any) -> bool:
    """Every string in a decoded JSON value (keys included) is storable."""
    if isinstance(value, str):
        return is_storable_text(value)
    if isinstance(value, dict):
        return all(all_text_storable(k) and all_text_storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(all_text_storable(item) for item in value)
    return True
