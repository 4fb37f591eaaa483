"""The visitor's key to one conversation: a signed, expiring token naming its public id.

It is the only thing a visitor's socket and uploads authenticate with, so a visitor can reach
their own conversation and nothing else.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core import signing

SALT = "destek.livechat.visitor"


def visitor_token(public_id: uuid.UUID) -> str:
    return signing.dumps(str(public_id), salt=SALT, compress=False)


def public_id_from_token(token: str) -> uuid.UUID | None:
    if not token or len(token) > 300:
        return None
    try:
        value = signing.loads(token, salt=SALT, max_age=settings.DESTEK_CHAT_TOKEN_MAX_AGE)
        return uuid.UUID(str(value))
    except (signing.BadSignature, ValueError, TypeError):
        return None
