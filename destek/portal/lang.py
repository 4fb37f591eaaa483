"""The language the current request is rendered in, as the accounts models expect it."""

from __future__ import annotations

from django.utils import translation


def current_language() -> str:
    """`tr` or `en` (never a region variant such as `en-us`)."""
    return (translation.get_language() or "en").split("-")[0].lower()
