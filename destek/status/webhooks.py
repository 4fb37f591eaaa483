"""POSTing incident updates to webhook subscribers, signed, in the background, with retries.

Each `WebhookDelivery` (one per update and subscription, written by the fan-out) holds the
exact JSON body. A delivery is claimed with one conditional UPDATE (pending and due →
sending), so two workers never send it together; then POSTed with

    Content-Type: application/json
    X-Destek-Event: incident.update | maintenance.update
    X-Destek-Delivery: <delivery id>        (the same on every retry: receivers dedupe on it)
    X-Destek-Timestamp: <unix seconds of this attempt>
    X-Destek-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>

A 2xx answer marks it sent. A timeout, a refused connection, 408, 429 or 5xx is retried
after 1, 2, 4 … minutes (at most MAX_ATTEMPTS attempts); any other answer, a redirect (never
followed) or an address we refuse fails it at once. A worker killed mid-POST leaves the row
`sending`; the sweeper puts it back after STUCK_AFTER (at-least-once, like the outbox: the
delivery id lets the receiver drop the second copy).

Server-side request forgery: the URL must be http(s) and its host must resolve only to
public addresses (no loopback, private, link-local, reserved or multicast ranges), checked
before every attempt; DEBUG or DESTEK_STATUS_WEBHOOK_ALLOW_PRIVATE lifts it for development.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import socket
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from destek.status.models import WebhookDelivery, WebhookState

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10.0
STUCK_AFTER = timedelta(minutes=5)
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 500
RETRY_STATUSES = frozenset({408, 429})
# Tests replace it with httpx.MockTransport.
TRANSPORT: httpx.BaseTransport | None = None


class UnsafeURL(Exception):
    """A webhook URL we will not call."""


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def allow_private() -> bool:
    return bool(settings.DEBUG or getattr(settings, "DESTEK_STATUS_WEBHOOK_ALLOW_PRIVATE",
                                          False))


def check_url(url: str) -> None:
    """Raise UnsafeURL unless `url` is http(s) on a host with only public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL(f"Not an http(s) URL: {url!r}")
    if allow_private():
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeURL(f"Cannot resolve {parts.hostname}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise UnsafeURL(f"{parts.hostname} resolves to a non-public address ({address})")


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 6 * 60))


def claim(delivery_id: int) -> tuple[WebhookDelivery, datetime] | None:
    now = timezone.now()
    won = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookState.PENDING, next_attempt_at__lte=now,
    ).update(status=WebhookState.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not won:
        return None
    row = WebhookDelivery.objects.select_related("subscription", "update__incident") \
        .get(pk=delivery_id)
    return row, now


def deliver(delivery_id: int) -> str:
    """Send one delivery if it is ours to send; returns its state afterwards ("skipped"
    when another run owns or finished it). Safe to call any number of times."""
    claimed = claim(delivery_id)
    if claimed is None:
        return "skipped"
    row, claimed_at = claimed
    body = row.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Destek-Status-Webhook/1",
        "X-Destek-Event": f"{row.update.incident.kind}.update",
        "X-Destek-Delivery": str(row.pk),
        "X-Destek-Timestamp": str(int(time.time())),
        "X-Destek-Signature": signature(row.subscription.secret, body),
    }
    try:
        check_url(row.subscription.webhook_url)
        with httpx.Client(transport=TRANSPORT, timeout=TIMEOUT_SECONDS,
                          follow_redirects=False) as client:
            response = client.post(row.subscription.webhook_url, content=body, headers=headers)
    except UnsafeURL as exc:
        return _failed(row, claimed_at, str(exc), permanent=True)
    except httpx.HTTPError as exc:
        return _failed(row, claimed_at, f"{type(exc).__name__}: {exc}")
    code = response.status_code
    if 200 <= code < 300:
        WebhookDelivery.objects.filter(pk=row.pk).update(
            status=WebhookState.SENT, sent_at=timezone.now(), response_status=code,
            last_error="")
        return WebhookState.SENT.value
    retry = code in RETRY_STATUSES or code >= 500
    reason = f"HTTP {code}" + (" (redirects are not followed)" if 300 <= code < 400 else "")
    return _failed(row, claimed_at, reason, permanent=not retry, status_code=code)


def _failed(row: WebhookDelivery, claimed_at: datetime, error: str, *, permanent: bool = False,
            status_code: int | None = None) -> str:
    give_up = permanent or row.attempts >= MAX_ATTEMPTS
    fields: dict[str, object] = {"last_error": error[:2000], "response_status": status_code}
    if give_up:
        fields["status"] = WebhookState.FAILED
    else:
        fields["status"] = WebhookState.PENDING
        fields["next_attempt_at"] = timezone.now() + backoff(row.attempts)
    WebhookDelivery.objects.filter(pk=row.pk, status=WebhookState.SENDING,
                                   claimed_at=claimed_at).update(**fields)
    logger.warning("Status webhook delivery %s attempt %s failed (%s): %s", row.pk,
                   row.attempts, "giving up" if give_up else "will retry", error)
    return str(fields["status"])


def sweep() -> list[int]:
    """Put deliveries stuck in `sending` back in line; the ids of those due now."""
    now = timezone.now()
    stuck = WebhookDelivery.objects.filter(status=WebhookState.SENDING,
                                           claimed_at__lt=now - STUCK_AFTER)
    stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=WebhookState.FAILED, last_error="Interrupted (worker lost) on the last attempt.")
    stuck.update(status=WebhookState.PENDING, next_attempt_at=now,
                 last_error="Interrupted (worker lost); sending again.")
    return list(WebhookDelivery.objects.filter(status=WebhookState.PENDING,
                                               next_attempt_at__lte=now - SWEEP_GRACE)
                .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
