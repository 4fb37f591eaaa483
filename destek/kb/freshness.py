"""When what search may find has changed: a version for caches of search results.

Every write of the search index (`destek.kb.search.index_article`, `remove_article`, an
article deleted) sets `SearchState.version` to a new random number in the same transaction,
so a cache entry keyed by the version is never served after the change is committed, in any
process or web node, whatever the cache backend (the embedded locmem cache is per process, so
the version cannot live there). Random, not incremented: a database rolled back or restored
(a test, a backup) never brings back a version that a cache still holds entries for.

A scheduled article becomes visible without a write: `refresh_at` holds the earliest such
moment, and the first reader after it changes the version (one UPDATE per scheduled article).

Reading the version is one primary-key query; a reader that finds no row (a flushed
database) gets None and must not cache.
"""

from __future__ import annotations

import datetime
import math
import secrets
from typing import Any

from django.db.models import Case, F, Min, Value, When
from django.utils import timezone

from destek.kb.models import Article, ArticleStatus, SearchState

STATE_ID = 1


def _new_version() -> int:
    return secrets.randbits(62)


def _epoch(moment: datetime.datetime) -> int:
    return math.ceil(moment.timestamp())


def changed(*, publish_at: datetime.datetime | None = None, **_signal_kwargs: Any) -> None:
    """Call inside the transaction that changes what search may find. `publish_at`: the
    written article's publishing time, when it lies in the future."""
    qs = SearchState.objects.filter(pk=STATE_ID)
    fields: dict[str, Any] = {"version": _new_version()}
    if publish_at is not None and publish_at > timezone.now():
        moment = _epoch(publish_at)
        fields["refresh_at"] = Case(When(refresh_at__lt=moment, then=F("refresh_at")),
                                    default=Value(moment))
    if not qs.update(**fields):
        SearchState.objects.get_or_create(pk=STATE_ID, defaults={
            "version": _new_version(), "refresh_at": _next_scheduled()})


def _next_scheduled() -> int | None:
    moment = (Article.objects.filter(status=ArticleStatus.PUBLISHED,
                                     publish_at__gt=timezone.now())
              .aggregate(m=Min("publish_at"))["m"])
    return _epoch(moment) if moment else None


def _refresh(seen: int) -> None:
    """A scheduled article went live: a new version, and the next scheduled moment."""
    SearchState.objects.filter(pk=STATE_ID, refresh_at=seen).update(
        version=_new_version(), refresh_at=_next_scheduled())


def current_version() -> int | None:
    """The version to key caches of search results with; None: do not cache."""
    for _attempt in range(2):
        row = SearchState.objects.filter(pk=STATE_ID).values_list(
            "version", "refresh_at").first()
        if row is None:
            return None
        version, refresh_at = row
        if refresh_at is None or refresh_at > timezone.now().timestamp():
            return int(version)
        _refresh(refresh_at)
    return None
