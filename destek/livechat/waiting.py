"""The waiting list's two rules: who is still on it, and how long they have waited.

A visitor whose widget never opened its socket (a closed tab right after "Start chat", a bot
posting to /chat/api/start) would otherwise wait forever at the top of every console. After
UNCONNECTED_AFTER such a chat leaves the list at once (`still_waiting`, on every read) and is
ended as abandoned by the beat task (`services/abandon.py`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext, pgettext

UNCONNECTED_AFTER = timedelta(minutes=3)


def still_waiting(now: datetime) -> Q:
    """Waiting chats worth an agent's time: the visitor connected, or may still connect."""
    return Q(visitor_connected_at__isnull=False) | Q(created_at__gt=now - UNCONNECTED_AFTER)


def wait_text(seconds: int) -> str:
    """"under a minute", "12 min", "1 h 5 min": whole minutes, as the desk's countdowns."""
    minutes = max(0, seconds) // 60
    if minutes < 1:
        return gettext("under a minute")
    hours, minutes = divmod(minutes, 60)
    parts = [pgettext("countdown", "{n} h").replace("{n}", str(hours))] if hours else []
    if minutes or not hours:
        parts.append(pgettext("countdown", "{n} min").replace("{n}", str(minutes)))
    return " ".join(parts)
