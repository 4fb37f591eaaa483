"""API token authentication (settings.REST_FRAMEWORK names this class): DRF's, which reads the
token with its user in one query (`select_related("user")`)."""

from __future__ import annotations

from rest_framework import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``."""
