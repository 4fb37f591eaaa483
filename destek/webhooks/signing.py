"""The signature of a webhook call, in the manner of Stripe's.

Each request carries

    Destek-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{raw body}")>
    Destek-Event-Id: <uuid>      (the same on every attempt: receivers dedupe on it)
    Destek-Event-Type: ticket.created

The timestamp is inside the signed text, so a captured request cannot be replayed later than
the receiver's tolerance (5 minutes by default). Secrets are made here (`new_secret`) and
stored sealed (destek.core.sealing, purpose "webhook"). `verify` is what a receiver does; the
same code is in docs/webhooks.md.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from destek.core.sealing import seal, unseal

SIGNATURE_HEADER = "Destek-Signature"
EVENT_ID_HEADER = "Destek-Event-Id"
EVENT_TYPE_HEADER = "Destek-Event-Type"
SCHEME = "v1"
DEFAULT_TOLERANCE = 300
SEAL_PURPOSE = "webhook"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def seal_secret(secret: str) -> str:
    return seal(secret, purpose=SEAL_PURPOSE)


def unseal_secret(sealed: str) -> str:
    return unseal(sealed, purpose=SEAL_PURPOSE)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The Destek-Signature header's value for `body` (the exact bytes sent)."""
    stamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={stamp},{SCHEME}={_digest(secret, stamp, body)}"


def headers(*, secret: str, body: bytes, event_id: str, event_type: str,
            timestamp: int | None = None) -> dict[str, str]:
    return {SIGNATURE_HEADER: signature(secret, body, timestamp=timestamp),
            EVENT_ID_HEADER: event_id, EVENT_TYPE_HEADER: event_type}


def verify(secret: str, header: str, body: bytes, tolerance: int = DEFAULT_TOLERANCE,
           *, now: float | None = None) -> bool:
    """Whether `header` signs `body` with `secret` at a time within `tolerance` seconds of
    now. Several v1 values are accepted (a sender may sign with two secrets while rotating);
    the comparison is constant-time."""
    stamp: int | None = None
    candidates: list[str] = []
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t":
            try:
                stamp = int(value)
            except ValueError:
                return False
        elif key == SCHEME and value:
            candidates.append(value)
    if stamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        return False
    expected = _digest(secret, stamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
