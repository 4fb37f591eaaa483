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
    return unstorable_text_path(value) is None


def unstorable_text_path(value: Any, path: str = "") -> str | None:
    """Where the first string no database can store is in a decoded JSON value: "" for the
    value itself, "cc.1" for an item, the key's path for a bad key; None when all is well."""
    if isinstance(value, str):
        return None if is_storable_text(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            key_path = f"{path}.{key}" if path else str(key)
            if not all_text_storable(key):
                return path
            found = unstorable_text_path(item, key_path)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable_text_path(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None
