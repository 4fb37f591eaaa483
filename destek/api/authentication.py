"""API token authentication: DRF's rules, with the token and its user read in one plain
statement (destek.core.rows) instead of a compiled `select_related().get()`, which cost
more CPU than the rest of the check on every API call. A missing token or an inactive user
is handed back to DRF, so the error responses are exactly DRF's."""

from __future__ import annotations

from typing import Any

from django.db import connection
from rest_framework import authentication
from rest_framework.authtoken.models import Token

from destek.accounts.models import User
from destek.core import rows


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` (settings.REST_FRAMEWORK)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token_names, token_columns = rows.columns(Token, "t")
        user_names, user_columns = rows.columns(User, "u")
        sql = (f"SELECT {token_columns}, {user_columns} FROM {rows.table(Token)} t"  # noqa: S608
               f' JOIN {rows.table(User)} u ON u."id" = t."user_id" WHERE t."key" = %s')
        with connection.cursor() as cursor:
            cursor.execute(sql, [key])
            row = cursor.fetchone()
        if row is None:
            return super().authenticate_credentials(key)  # raises DRF's "Invalid token."
        split = len(token_names)
        user = rows.instance(User, user_names, row[split:])
        if not user.is_active:
            return super().authenticate_credentials(key)  # DRF's "User inactive or deleted."
        token = rows.instance(Token, token_names, row[:split])
        token.user = user
        return user, token
