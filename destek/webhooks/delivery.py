"""Sending webhook deliveries: claim with a lease, POST, record; retry with backoff; disable
an endpoint that keeps failing; recover rows a killed worker held.

The same rules as the email outbox (destek.notifications.delivery):

* Never lost: the row commits with the change; a lost task or a killed worker is made up
  for by the beat sweep (`sweep`, every minute).
* Never sent by two workers at once: a worker claims one row at a time with a lease (a
  conditional UPDATE that exactly one worker wins; on PostgreSQL the row is first locked
  with SKIP LOCKED so a busy row is passed over instead of waited for). No lock is held while
  talking to the receiver.
* At least once: a worker killed after the receiver got the request, before the row was
  marked, leaves the row leased; when the lease runs out the sweep sends it again with the
  same event id. Receivers dedupe on `Destek-Event-Id` (docs/webhooks.md).
* Every attempt counts (incremented when claiming), so a delivery that kills its worker every
  time still ends `failed` after DESTEK_WEBHOOK_MAX_ATTEMPTS.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from destek.core.errors import ApplicationError
from destek.core.sealing import Unreadable
from destek.webhooks import guard, signing
from destek.webhooks.models import Delivery, DeliveryState, Endpoint, EndpointKind
from destek.webhooks.payloads import chat_text

logger = logging.getLogger(__name__)

OPEN_STATES = (DeliveryState.PENDING, DeliveryState.RETRYING)
# Longer than any one attempt can take (connect + read timeouts, the capped body).
LEASE = timedelta(minutes=2)
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 60 * 60
CLOCK_TOLERANCE = timedelta(seconds=5)
SWEEP_GRACE = timedelta(seconds=15)  # fresh rows get their own task first
SWEEP_BATCH = 500
RESPONSE_READ_BYTES = 64 * 1024  # read at most this much of a receiver's answer
EXCERPT_CHARS = 500
USER_AGENT = "Destek-Webhooks/1"


class Outcome(StrEnum):
    DELIVERED = "delivered"
    SKIPPED = "skipped"  # not due, leased by another worker, disabled or gone
    RETRY = "retry"
    FAILED = "failed"


def max_attempts() -> int:
    return max(int(getattr(settings, "DESTEK_WEBHOOK_MAX_ATTEMPTS", 8)), 1)


def disable_after() -> int:
    return max(int(getattr(settings, "DESTEK_WEBHOOK_DISABLE_AFTER", 20)), 1)


def timeout_seconds() -> float:
    return float(getattr(settings, "DESTEK_WEBHOOK_TIMEOUT_SECONDS", 10))


def backoff(attempts: int) -> timedelta:
    """30 s, 1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … failed attempt, at most 6 hours."""
    seconds = BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


# --- the request --------------------------------------------------------------------------

def _dumps(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def request_body(row: Delivery, endpoint: Endpoint) -> bytes:
    """The bytes POSTed: the signed envelope for a webhook, the room's format for a chat."""
    if endpoint.kind == EndpointKind.WEBHOOK:
        return _dumps({"id": str(row.event_id), "type": row.event_type,
                       "created_at": row.created_at.isoformat(), "data": row.payload})
    text = chat_text(row.event_type, row.payload)
    if endpoint.kind == EndpointKind.TEAMS:
        return _dumps({"@type": "MessageCard", "@context": "https://schema.org/extensions",
                       "summary": text[:200], "text": text})
    return _dumps({"text": text})  # Slack and Mattermost incoming webhooks


def request_headers(row: Delivery, endpoint: Endpoint, body: bytes) -> dict[str, str]:
    if endpoint.kind == EndpointKind.WEBHOOK:
        secret = signing.unseal_secret(endpoint.secret_sealed)
        return signing.headers(secret=secret, body=body, event_id=str(row.event_id),
                               event_type=row.event_type)
    return {signing.EVENT_ID_HEADER: str(row.event_id),
            signing.EVENT_TYPE_HEADER: row.event_type}


class Answer:
    def __init__(self, status_code: int, excerpt: str) -> None:
        self.status_code, self.excerpt = status_code, excerpt


def _read_capped(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= RESPONSE_READ_BYTES:
            break
    return b"".join(chunks)[:RESPONSE_READ_BYTES].decode("utf-8", "replace")[:EXCERPT_CHARS]


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST to an address that passed the guard, checked now: the connection goes to that IP
    (the URL's host in Host and as TLS server name, so the certificate is still checked for
    it), no redirect is followed, every phase has a timeout, at most RESPONSE_READ_BYTES of
    the answer are read."""
    target = guard.resolve(url)
    parts = urlsplit(url.strip())
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = target.port == (443 if target.scheme == "https" else 80)
    host_header = target.host if default_port else f"{target.host}:{target.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    sent_headers = {**headers, "Host": host_header, "Content-Type": "application/json",
                    "User-Agent": USER_AGENT}
    timeout = httpx.Timeout(timeout_seconds())
    last_error: Exception | None = None
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for address in target.addresses:
            literal = f"[{address}]" if ":" in address else address
            pinned = f"{target.scheme}://{literal}:{target.port}{path}"
            try:
                with client.stream("POST", pinned, content=body, headers=sent_headers,
                                   extensions=extensions) as response:
                    return Answer(response.status_code, _read_capped(response))
            except httpx.ConnectError as exc:  # the next address, if there is one
                last_error = exc
    assert last_error is not None
    raise last_error


# --- claiming and marking -----------------------------------------------------------------

def _claimable(now: datetime) -> Q:
    return (Q(state__in=OPEN_STATES, next_attempt_at__lte=now + CLOCK_TOLERANCE,
              endpoint__is_active=True)
            & (Q(leased_until__isnull=True) | Q(leased_until__lt=now)))


def claim(pk: int) -> tuple[Delivery, datetime] | None:
    """Lease the row for this worker, or None when it is not due or another worker holds it.
    The lease's end identifies this attempt when marking it."""
    now = timezone.now()
    lease = now + LEASE
    with transaction.atomic():
        candidates = Delivery.objects.filter(_claimable(now), pk=pk)
        if connection.features.has_select_for_update_skip_locked and not list(
                candidates.select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)):
            return None
        # The conditional UPDATE decides on PostgreSQL and SQLite alike.
        won = Delivery.objects.filter(_claimable(now), pk=pk).update(
            leased_until=lease, attempts=F("attempts") + 1, last_attempt_at=now)
    if not won:
        return None
    row = Delivery.objects.select_related("endpoint").filter(pk=pk, leased_until=lease).first()
    return (row, lease) if row is not None else None


def _mark_delivered(row: Delivery, answer: Answer) -> Outcome:
    # Whatever happened meanwhile (a sweep reviving a slow send), it arrived: marking it
    # delivered stops another copy.
    Delivery.objects.filter(pk=row.pk).exclude(state=DeliveryState.DELIVERED).update(
        state=DeliveryState.DELIVERED, delivered_at=timezone.now(), leased_until=None,
        last_status_code=answer.status_code, last_response=answer.excerpt, last_error="")
    Endpoint.objects.filter(pk=row.endpoint_id).exclude(consecutive_failures=0).update(
        consecutive_failures=0)
    return Outcome.DELIVERED


def _mark_failed(row: Delivery, lease: datetime, error: str, answer: Answer | None = None, *,
                 permanent: bool = False) -> Outcome:
    now = timezone.now()
    give_up = permanent or row.attempts >= max_attempts()
    fields: dict[str, Any] = {
        "leased_until": None, "last_error": error[:500],
        "last_status_code": answer.status_code if answer else None,
        "last_response": answer.excerpt if answer else "",
        "state": DeliveryState.FAILED if give_up else DeliveryState.RETRYING,
    }
    if not give_up:  # counted from the attempt's start: the schedule in docs/webhooks.md
        fields["next_attempt_at"] = (lease - LEASE) + backoff(row.attempts)
    with transaction.atomic():
        Delivery.objects.filter(pk=row.pk, leased_until=lease).update(**fields)
        Endpoint.objects.filter(pk=row.endpoint_id).update(
            consecutive_failures=F("consecutive_failures") + 1)
        _disable_if_failing(row.endpoint_id, now)
    logger.warning("Webhook delivery %s attempt %s failed (%s): %s", row.pk, row.attempts,
                   "giving up" if give_up else "will retry", error)
    return Outcome.FAILED if give_up else Outcome.RETRY


def _disable_if_failing(endpoint_id: int, now: datetime) -> None:
    """Disable the endpoint once DESTEK_WEBHOOK_DISABLE_AFTER attempts in a row failed; the
    UPDATE that disables it is the one that emails the admins, so they hear of it once."""
    limit = disable_after()
    disabled = Endpoint.objects.filter(
        pk=endpoint_id, is_active=True, consecutive_failures__gte=limit,
    ).update(is_active=False, disabled_at=now, updated_at=now,
             disabled_reason=f"{limit} failed attempts in a row")
    if disabled:
        from destek.webhooks import alerts, selectors

        selectors.forget_subscriptions()
        alerts.endpoint_disabled(Endpoint.objects.get(pk=endpoint_id))


# --- entry points -------------------------------------------------------------------------

def deliver(pk: int) -> Outcome:
    """Send one row if it is ours to send; safe to call any number of times."""
    claimed = claim(pk)
    if claimed is None:
        return Outcome.SKIPPED
    row, lease = claimed
    endpoint = row.endpoint
    try:
        body = request_body(row, endpoint)
        headers = request_headers(row, endpoint, body)
    except Unreadable:
        return _mark_failed(row, lease, "The signing secret cannot be read (SECRET_KEY "
                            "changed): rotate the endpoint's secret.", permanent=True)
    try:
        answer = post(endpoint.url, body, headers)
    except ApplicationError as exc:  # the guard: the name now points somewhere refused
        return _mark_failed(row, lease, exc.message)
    except httpx.HTTPError as exc:
        return _mark_failed(row, lease, f"{type(exc).__name__}: {exc}")
    if 200 <= answer.status_code < 300:
        return _mark_delivered(row, answer)
    return _mark_failed(row, lease, f"HTTP {answer.status_code}", answer)


def deliver_many(ids: list[int]) -> list[Outcome]:
    """Each row in turn, each claimed on its own: a worker killed mid-way holds only the row
    it was sending."""
    return [deliver(int(pk)) for pk in dict.fromkeys(ids)]


def sweep() -> list[int]:
    """The ids due now: retries whose time came, rows a lost task left, rows a killed worker
    held (lease run out). A row whose worker died on its last allowed attempt fails."""
    now = timezone.now()
    Delivery.objects.filter(state__in=OPEN_STATES, leased_until__lt=now,
                            attempts__gte=max_attempts()).update(
        state=DeliveryState.FAILED, leased_until=None,
        last_error="Delivery was interrupted (worker lost) on the last allowed attempt.")
    return list(
        Delivery.objects.filter(
            Q(leased_until__isnull=True) | Q(leased_until__lt=now),
            state__in=OPEN_STATES, next_attempt_at__lte=now - SWEEP_GRACE,
            endpoint__is_active=True)
        .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
