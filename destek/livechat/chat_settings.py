"""The chat's settings as every request reads them: one cache read, no query.

Which websites may embed the widget, when chat is open, what the widget says first. They live
in one `ChatSettings` row (Settings → Live chat); until an administrator saves it, the
environment's values apply, read at call time (DESTEK_CHAT_ALLOWED_ORIGINS,
DESTEK_CHAT_OFFICE_HOURS_ONLY), so deployments configured that way keep working. A cache
miss reads the row (or learns there is none) once and caches it for TTL seconds; saving
replaces the cached value after the commit (`chat_settings_update`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from destek.livechat.models import ChatHours, ChatSettings
from destek.sla.services.oncall import is_out_of_hours

CACHE_KEY = "destek:chat-settings:v1"
# With Redis every process sees a save at once; on the embedded default each process has its
# own memory cache, which a save elsewhere cannot clear: this bounds how long it shows the old.
TTL = 60
SINGLETON_PK = 1
WEEKDAYS = range(7)  # Monday 0 … Sunday 6, as datetime.weekday()


@dataclass(frozen=True)
class ChatConfig:
    stored: bool = False  # False: no row yet, the environment's values apply
    origins: tuple[str, ...] = ()
    hours: str = ChatHours.ALWAYS
    weekly_hours: dict[str, list[str]] = field(default_factory=dict)
    time_zone: str = ""
    greeting_en: str = ""
    greeting_tr: str = ""

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        if self.stored:
            return self.origins
        return tuple(str(o).rstrip("/") for o in settings.DESTEK_CHAT_ALLOWED_ORIGINS)

    @property
    def hours_mode(self) -> str:
        if self.stored:
            return self.hours
        return ChatHours.OFFICE if settings.DESTEK_CHAT_OFFICE_HOURS_ONLY else ChatHours.ALWAYS

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone or settings.TIME_ZONE)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(settings.TIME_ZONE)

    def open_weekly(self, now: datetime) -> bool:
        local = now.astimezone(self.zone())
        span = self.weekly_hours.get(str(local.weekday()))
        if not span:
            return False
        start, end = time.fromisoformat(span[0]), time.fromisoformat(span[1])
        at = local.time().replace(tzinfo=None)
        return start <= at and (end == time(0) or at < end)

    def is_closed(self, now: datetime | None = None) -> bool:
        """Outside chat hours: the widget offers its offline form instead of a chat."""
        mode = self.hours_mode
        if mode == ChatHours.ALWAYS:
            return False
        now = now or timezone.now()
        if mode == ChatHours.OFFICE:
            return is_out_of_hours(now)
        return not self.open_weekly(now)

    def greeting(self, language: str) -> str:
        return self.greeting_tr if language == "tr" else self.greeting_en


def config_of(row: ChatSettings | None) -> ChatConfig:
    if row is None:
        return ChatConfig()
    return ChatConfig(stored=True, origins=tuple(row.allowed_origins), hours=row.hours,
                      weekly_hours=dict(row.weekly_hours), time_zone=row.time_zone,
                      greeting_en=row.greeting_en, greeting_tr=row.greeting_tr)


def _from_cache(found: Any) -> ChatConfig | None:
    if not isinstance(found, dict):
        return None
    return ChatConfig(**{**found, "origins": tuple(found.get("origins", ()))})


def _load() -> ChatConfig:
    config = config_of(ChatSettings.objects.filter(pk=SINGLETON_PK).first())
    remember(config)
    return config


def remember(config: ChatConfig) -> None:
    cache.set(CACHE_KEY, asdict(config), timeout=TTL)


def current() -> ChatConfig:
    return _from_cache(cache.get(CACHE_KEY)) or _load()


async def acurrent() -> ChatConfig:
    """`current()` for the WebSocket handshake: the database only on a cache miss."""
    found = _from_cache(await cache.aget(CACHE_KEY))
    return found or await database_sync_to_async(_load)()


def forget() -> None:
    cache.delete(CACHE_KEY)


def allowed_origins() -> tuple[str, ...]:
    return current().allowed_origins


def outside_chat_hours(now: datetime | None = None) -> bool:
    return current().is_closed(now)


def chat_settings_get() -> ChatSettings:
    """The row to edit: unsaved and filled from the environment when there is none yet."""
    row = ChatSettings.objects.filter(pk=SINGLETON_PK).first()
    if row is not None:
        return row
    seed = ChatConfig()
    return ChatSettings(pk=SINGLETON_PK, allowed_origins=list(seed.allowed_origins),
                        hours=seed.hours_mode)


CHANGEABLE = ("allowed_origins", "hours", "weekly_hours", "time_zone", "greeting_en",
              "greeting_tr")


def chat_settings_update(**values: Any) -> tuple[ChatConfig, list[str]]:
    """Save the (validated) settings; returns the new config and the fields that changed.
    The cache is replaced after the commit, so no reader can put the old value back."""
    with transaction.atomic():
        row = (ChatSettings.objects.select_for_update().filter(pk=SINGLETON_PK).first()
               or chat_settings_get())
        changed = [name for name in CHANGEABLE
                   if name in values and getattr(row, name) != values[name]]
        for name in changed:
            setattr(row, name, values[name])
        row.save()
        config = config_of(row)
        # Forgotten now (this transaction's next read sees the new row) and replaced after the
        # commit, so a reader that cached the old row in between cannot keep it.
        forget()
        transaction.on_commit(lambda: remember(config))
    return config, changed
