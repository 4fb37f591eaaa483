"""API token authentication (settings.REST_FRAMEWORK names this class): DRF's, which reads the
token with its user in one query (`select_related("user")`), and notes the token's use in the
audit log."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication
from rest_framework.request import Request

from destek.audit.log import Action, record_at_most_every

# A token's use is recorded once per token, client address and hour: who used it and from
# where, without an INSERT on every API request (a busy integration makes thousands an hour).
# A token used from a new address is recorded at once.
TOKEN_USE_RECORD_SECONDS = 3600


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            user, token = result
            record_at_most_every(
                TOKEN_USE_RECORD_SECONDS, Action.TOKEN_USED, key=token.key, actor=user,
                request=request._request, target=f"user:{user.pk}",
            )
        return result
