"""Who may post alerts: each source's shared secret (MonitoringSource, sealed), compared in
constant time.

- Alertmanager: `Authorization: Bearer <secret>` (http_config.authorization) or HTTP basic
  auth with the secret as the password (http_config.basic_auth; any username).
- Uptime Kuma: `Authorization: Bearer <secret>` in the webhook's additional headers, or
  `?token=<secret>` in its URL.
- Generic JSON: `X-Destek-Timestamp: <unix seconds>` and
  `X-Destek-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + raw body>`; a timestamp
  more than five minutes away from now is refused, so a captured request cannot be replayed
  later.

Failed attempts are audited and counted per client address: past the limit that address gets
429 before any secret is compared."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from destek.audit.log import Action, client_address, record, record_at_most_every

SIGNATURE_HEADER = "X-Destek-Signature"
TIMESTAMP_HEADER = "X-Destek-Timestamp"
MAX_SKEW_SECONDS = 300


class Refused(Exception):
    def __init__(self, status: int, code: str, message: object,
                 retry_after: int | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, str(message)
        self.retry_after = retry_after


def _limits() -> tuple[int, int]:
    return (int(getattr(settings, "DESTEK_STATUS_HOOKS_MAX_FAILURES", 20)),
            int(getattr(settings, "DESTEK_STATUS_HOOKS_FAILURE_WINDOW", 900)))


def _failure_key(request: HttpRequest) -> str:
    # One counter per address, expiring a window after its first failure (incr keeps the
    # expiry): no fixed window boundary to reset the count halfway through a burst.
    return f"status_hooks:failures:{client_address(request)}"


def check_not_locked_out(request: HttpRequest, *, kind: str) -> None:
    limit, window = _limits()
    if int(cache.get(_failure_key(request)) or 0) >= limit:
        record_at_most_every(window, Action.SIGN_IN_FAILED, key=f"status_hook:{kind}",
                             request=request, target=f"status_hook:{kind}",
                             method="monitoring_webhook", reason="too_many_failures")
        raise Refused(429, "throttled",
                      _("Too many failed attempts from this address. Try again later."),
                      retry_after=window)


def _fail(request: HttpRequest, *, kind: str, reason: str, message: object) -> Refused:
    key = _failure_key(request)
    cache.add(key, 0, _limits()[1])
    try:
        cache.incr(key)
    except ValueError:  # expired meanwhile
        cache.add(key, 1, _limits()[1])
    record(Action.SIGN_IN_FAILED, request=request, target=f"status_hook:{kind}",
           actor_label="monitoring webhook", method="monitoring_webhook", reason=reason)
    return Refused(401, "unauthorized", message)


def _same(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _bearer(request: HttpRequest) -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _basic_password(request: HttpRequest) -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2]


def check_token(request: HttpRequest, *, kind: str, secret: str,
                allow_query: bool = False) -> None:
    """A bearer token, a basic-auth password or (allow_query) `?token=` equal to `secret`."""
    given = _bearer(request)
    if given is None:
        given = _basic_password(request)
    if given is None and allow_query:
        given = request.GET.get("token")
    if given is None:
        raise _fail(request, kind=kind, reason="no_credentials",
                    message=_("Credentials are required."))
    if not _same(given, secret):
        raise _fail(request, kind=kind, reason="bad_credentials",
                    message=_("These credentials are not valid."))


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """What the generic webhook's sender puts in X-Destek-Signature."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def check_signature(request: HttpRequest, *, kind: str, secret: str, body: bytes,
                    now: float | None = None) -> None:
    timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
    given = request.headers.get(SIGNATURE_HEADER, "").strip()
    if not timestamp or not given:
        raise _fail(request, kind=kind, reason="no_credentials",
                    message=_("The request must be signed (X-Destek-Signature and "
                              "X-Destek-Timestamp)."))
    if not _same(given, signature(secret=secret, timestamp=timestamp, body=body)):
        raise _fail(request, kind=kind, reason="bad_signature",
                    message=_("The signature does not match."))
    try:
        sent = int(timestamp)
    except ValueError:
        sent = 0
    if abs((time.time() if now is None else now) - sent) > MAX_SKEW_SECONDS:
        raise _fail(request, kind=kind, reason="stale_timestamp",
                    message=_("The timestamp is more than five minutes away from now."))
