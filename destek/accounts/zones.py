"""Time zones of people: the zone every date shown to someone is rendered in.

A person's `User.time_zone` when it names a zone this machine knows, else the installation's
TIME_ZONE. The web pages activate it per request (`accounts.middleware.UserTimeZoneMiddleware`),
notification emails while they are composed (`notifications.compose`), and the portal's "you
can expect an answer by …" converts to it (`portal.sla`).
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from destek.accounts.models import User

# Offered first in the profile's select: the installations Destek is made for, then the
# zones their customers most often live in.
COMMON_ZONES = (
    "Europe/Istanbul", "UTC", "Europe/Berlin", "Europe/London", "Europe/Amsterdam",
    "Europe/Paris", "Europe/Moscow", "Asia/Baku", "Asia/Dubai", "America/New_York",
    "America/Chicago", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney",
)
# Aliases and legacy names the system database also lists; nobody needs to pick them.
_SKIPPED_PREFIXES = ("Etc/", "posix/", "right/", "SystemV/", "US/", "Canada/", "Mexico/",
                     "Brazil/", "Chile/")


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_known_zone(name: str) -> bool:
    return name in known_zones()


def site_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The zone `name`, or the installation's when it is empty or unknown."""
    if name and is_known_zone(name):
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return site_zone()


def user_zone(user: User | None) -> zoneinfo.ZoneInfo:
    """The zone of `user`'s dates: their own when the account has one, else TIME_ZONE."""
    return zone_named(getattr(user, "time_zone", "") or "")


@lru_cache(maxsize=1)
def _other_zones() -> tuple[str, ...]:
    common = set(COMMON_ZONES)
    return tuple(sorted(z for z in known_zones()
                        if "/" in z and not z.startswith(_SKIPPED_PREFIXES) and z not in common))


def zone_choices() -> list[tuple[object, object]]:
    """The profile's select: the site's default, the common zones, then every other zone."""
    common = [(z, z.replace("_", " ")) for z in COMMON_ZONES if is_known_zone(z)]
    others = [(z, z.replace("_", " ")) for z in _other_zones()]
    default = _("Default (%(zone)s)") % {"zone": settings.TIME_ZONE}
    return [("", default), (pgettext_lazy("time zones", "Common"), common),
            (_("All time zones"), others)]
