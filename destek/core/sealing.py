"""Secrets kept in the database (a billing system's API secret…), encrypted with a key derived
from Django's SECRET_KEY, so a copy of the database alone does not reveal them.

`seal` encrypts with the current SECRET_KEY; `unseal` also tries SECRET_KEY_FALLBACKS, so a key
rotation keeps old secrets readable until they are saved again. Each use names its `purpose`:
the same secret sealed for two purposes gives two unrelated keys. Fernet (AES-128-CBC with an
HMAC-SHA256) from `cryptography`; the key is HKDF-SHA256 over the secret key."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class Unreadable(Exception):
    """The value was sealed with a key that is neither SECRET_KEY nor one of its fallbacks."""


def _fernet(secret: str, purpose: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"destek.core.sealing",
               info=purpose.encode()).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _keys(purpose: str) -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(secret, purpose) for secret in secrets])


def seal(text: str, *, purpose: str) -> str:
    """The text encrypted (ASCII); an empty text stays empty (nothing to hide)."""
    if not text:
        return ""
    return _keys(purpose).encrypt(text.encode()).decode("ascii")


def unseal(token: str, *, purpose: str) -> str:
    if not token:
        return ""
    try:
        return _keys(purpose).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        raise Unreadable(purpose) from None
