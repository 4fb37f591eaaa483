"""Reads: the endpoints (Settings), the delivery log (keyset-paginated), and the hot path's
"who listens to this event" from the cache."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet

from destek.webhooks.models import Delivery, Endpoint

CACHE_KEY = "webhooks:subscriptions:v1"
CACHE_SECONDS = 24 * 3600
LOG_PAGE = 50


@dataclass(frozen=True)
class Subscription:
    endpoint_id: int
    events: frozenset[str]


# What the cache holds when no endpoint is active (the common case): ticket creation pays
# one cache read for the webhooks and no query.
NONE_ACTIVE: tuple[Subscription, ...] = ()


def _read_subscriptions() -> tuple[Subscription, ...]:
    return tuple(Subscription(endpoint_id=pk, events=frozenset(events or ()))
                 for pk, events in Endpoint.objects.filter(is_active=True)
                 .order_by("pk").values_list("pk", "events"))


def subscriptions() -> tuple[Subscription, ...]:
    """The active endpoints and their event types: one cache read; a miss, one query."""
    found = cache.get(CACHE_KEY)
    if found is not None:
        return found
    found = _read_subscriptions()
    cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found


def remember(snapshot: tuple[Subscription, ...]) -> None:
    cache.set(CACHE_KEY, snapshot, CACHE_SECONDS)


def forget_subscriptions() -> None:
    """After a change to the endpoints: dropped now and again at commit (a reader in between
    would cache what it read before the change)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def subscriber_ids(event_type: str) -> list[int]:
    return [s.endpoint_id for s in subscriptions() if event_type in s.events]


def endpoints() -> QuerySet[Endpoint]:
    return Endpoint.objects.order_by("name", "id")


def endpoint_get(pk: int) -> Endpoint | None:
    return Endpoint.objects.filter(pk=pk).first()


def chat_endpoints() -> QuerySet[Endpoint]:
    """Chat rooms a rule may notify (automation's notify_endpoint_ids)."""
    return endpoints().exclude(kind="webhook")


@dataclass(frozen=True)
class LogPage:
    deliveries: list[Delivery]
    next_cursor: str  # "" on the last page


def _cursor(row: Delivery) -> str:
    return f"{row.created_at.isoformat()}|{row.pk}"


def _parse_cursor(cursor: str) -> tuple[datetime, int] | None:
    stamp, _sep, pk = cursor.partition("|")
    try:
        return datetime.fromisoformat(stamp), int(pk)
    except ValueError:
        return None


def delivery_log(*, endpoint: Endpoint | None = None, state: str = "", cursor: str = "",
                 limit: int = LOG_PAGE) -> LogPage:
    """Newest first, `limit` at a time; `cursor` is the previous page's next_cursor (keyset
    on (created_at, id): a page costs the same at the millionth row as at the first)."""
    qs = Delivery.objects.select_related("endpoint").order_by("-created_at", "-id")
    if endpoint is not None:
        qs = qs.filter(endpoint=endpoint)
    if state:
        qs = qs.filter(state=state)
    after = _parse_cursor(cursor) if cursor else None
    if after is not None:
        stamp, pk = after
        qs = qs.filter(Q(created_at__lt=stamp) | Q(created_at=stamp, id__lt=pk))
    rows = list(qs[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return LogPage(deliveries=rows, next_cursor=_cursor(rows[-1]) if more and rows else "")
