"""Per-user and per-address request rates, read from settings on every request.

DRF's throttles copy ``DEFAULT_THROTTLE_RATES`` into a class attribute at import time, so a
changed setting (an override in a test, a reloaded configuration) would be ignored. These read
``settings.REST_FRAMEWORK`` when each request is checked instead.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling


class _RateFromSettings:
    scope: str | None

    def get_rate(self) -> str | None:
        rates = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_THROTTLE_RATES", {})
        try:
            return rates[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"No throttle rate set for the {self.scope!r} scope") from None


class UserRateThrottle(_RateFromSettings, throttling.UserRateThrottle):
    """Authenticated requests, counted per user (DESTEK_API_USER_RATE)."""


class AnonRateThrottle(_RateFromSettings, throttling.AnonRateThrottle):
    """Unauthenticated requests, counted per client address (DESTEK_API_ANON_RATE)."""
