"""Page views, counted without a write per page view.

Each process adds views up in memory and writes them in one short transaction at most every
DESTEK_KB_VIEW_FLUSH_SECONDS (default 10): the page that crosses the interval pays a handful of
UPDATEs, every other page none. A process that dies loses at most that interval's views, which
is acceptable for a popularity figure.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import F

from destek.kb.models import Article

_lock = threading.Lock()
_pending: Counter[int] = Counter()
_last_flush = time.monotonic()


def _interval() -> float:
    return float(getattr(settings, "DESTEK_KB_VIEW_FLUSH_SECONDS", 10))


def article_view_record(*, article_id: int) -> None:
    global _last_flush
    with _lock:
        _pending[article_id] += 1
        due = time.monotonic() - _last_flush >= _interval()
        if due:
            _last_flush = time.monotonic()
    if due:
        article_views_flush()


def article_views_flush() -> int:
    """Write the views counted so far; returns how many."""
    global _last_flush
    with _lock:
        _last_flush = time.monotonic()
        pending = dict(_pending)
        _pending.clear()
    if not pending:
        return 0
    with transaction.atomic():
        for article_id, count in sorted(pending.items()):
            Article.objects.filter(pk=article_id).update(view_count=F("view_count") + count)
    return sum(pending.values())


def pending_views() -> int:
    with _lock:
        return sum(_pending.values())
