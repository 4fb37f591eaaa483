"""Signed reply tokens: they prove a reply answers an email Destek sent to that person.

A token names a ticket and a user and carries an HMAC of both (Django's `salted_hmac`, the
primitive behind `django.core.signing`, keyed with SECRET_KEY and its fallbacks and salted
for this purpose). It travels in the Reply-To plus-part (`support+t42-u7-<mac>@example.com`)
and in the notification's Message-ID, so replies carry it in To and In-Reply-To/References
even when a mail client drops one of them.

Mail servers and our parser lower-case addresses, so the token is lower-case hex only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "destek.mail.reply-token"
MAC_CHARS = 20  # 80 bits: plenty against guessing, short enough for a 64-char local part
MAX_LOCAL_PART = 64
_TOKEN = re.compile(
    r"(?<![0-9a-z])t(\d{1,12})-u(\d{1,12})-([0-9a-f]{" + str(MAC_CHARS) + r"})(?![0-9a-f])")


@dataclass(frozen=True)
class ReplyToken:
    ticket_id: int
    user_id: int


def _mac(value: str, secret: str | bytes | None = None) -> str:
    return salted_hmac(SALT, value, secret=secret, algorithm="sha256").hexdigest()[:MAC_CHARS]


def make_token(*, ticket_id: int, user_id: int) -> str:
    value = f"t{ticket_id}-u{user_id}"
    return f"{value}-{_mac(value)}"


def _valid(value: str, mac: str) -> bool:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(_mac(value, secret), mac) for secret in secrets)


def find_token(values: Iterable[str]) -> ReplyToken | None:
    """The first valid token in any of `values` (addresses, Message-IDs), or None."""
    for text in values:
        for match in _TOKEN.finditer((text or "").lower()):
            ticket_id, user_id, mac = match.groups()
            if _valid(f"t{ticket_id}-u{user_id}", mac):
                return ReplyToken(ticket_id=int(ticket_id), user_id=int(user_id))
    return None


def address_with_token(address: str, token: str) -> str:
    """`support@example.com` → `support+<token>@example.com` (unchanged when too long)."""
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return address
    base = local.split("+", 1)[0]
    tagged = f"{base}+{token}"
    return f"{tagged}@{domain}" if len(tagged) <= MAX_LOCAL_PART else address


def base_address(address: str) -> str:
    """`support+anything@example.com` → `support@example.com`, lower-cased."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return address.strip().lower()
    return f"{local.split('+', 1)[0]}@{domain}"
