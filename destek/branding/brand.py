"""`current()`: the brand every page, email and the chat widget shows, from the cache.

One cache read per call; a miss reads the row once (or learns there is none) and caches the
answer for TTL seconds or until the branding is saved, which replaces it
(`services.branding_update`). Emails read the row itself (`fresh()`). The images
themselves are not cached here: only whether there is one and its type, for their URLs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from destek.branding.colors import darker, rgb
from destek.branding.models import SINGLETON_PK, Branding

CACHE_KEY = "destek:branding:v1"
# With Redis every process sees a save at once; on the embedded default each process has its
# own memory cache, which a save elsewhere cannot clear: this bounds how long it shows the old.
TTL = 60
DEFAULT_NAME = "Destek"


@dataclass(frozen=True)
class Brand:
    custom_name: str = ""
    color: str = ""  # "" = the stock Bootstrap look
    has_logo: bool = False
    has_favicon: bool = False
    version: int = 0

    @property
    def name(self) -> str:
        return self.custom_name or str(getattr(settings, "DESTEK_SITE_NAME", DEFAULT_NAME))

    @property
    def stylesheet_url(self) -> str:
        return f"{reverse('branding:stylesheet')}?v={self.version}" if self.color else ""

    @property
    def logo_url(self) -> str:
        return f"{reverse('branding:logo')}?v={self.version}" if self.has_logo else ""

    @property
    def favicon_url(self) -> str:
        return f"{reverse('branding:favicon')}?v={self.version}" if self.has_favicon else ""

    def stylesheet(self) -> str:
        """The custom properties and the few rules that carry the primary colour."""
        if not self.color:
            return "/* no brand colour */\n"
        color, hover = self.color, darker(self.color)
        r, g, b = rgb(color)
        return (
            f":root{{--destek-brand:{color};--bs-primary:{color};--bs-primary-rgb:{r},{g},{b};"
            f"--bs-link-color:{color};--bs-link-color-rgb:{r},{g},{b};"
            f"--bs-link-hover-color:{hover}}}\n"
            f".btn-primary{{--bs-btn-bg:{color};--bs-btn-border-color:{color};"
            f"--bs-btn-hover-bg:{hover};--bs-btn-hover-border-color:{hover};"
            f"--bs-btn-active-bg:{hover};--bs-btn-active-border-color:{hover};"
            f"--bs-btn-disabled-bg:{color};--bs-btn-disabled-border-color:{color}}}\n"
            f".btn-outline-primary{{--bs-btn-color:{color};--bs-btn-border-color:{color};"
            f"--bs-btn-hover-bg:{color};--bs-btn-hover-border-color:{color};"
            f"--bs-btn-active-bg:{hover};--bs-btn-active-border-color:{hover}}}\n"
            f".navbar-brand{{color:var(--destek-brand)}}\n"
        )


def brand_of(row: Branding | None) -> Brand:
    if row is None:
        return Brand()
    return Brand(custom_name=row.name, color=row.primary_color, has_logo=bool(row.logo_type),
                 has_favicon=bool(row.favicon_type), version=row.version)


def _load() -> Brand:
    row = (Branding.objects.filter(pk=SINGLETON_PK)
           .only("name", "primary_color", "logo_type", "favicon_type", "version").first())
    return brand_of(row)


def current() -> Brand:
    """For pages and the widget: one cache read."""
    found = cache.get(CACHE_KEY)
    if isinstance(found, dict):
        return Brand(**found)
    return fresh()


def fresh() -> Brand:
    """Read from the database (and cached): for emails, composed by the worker, a process
    whose local-memory cache a save in the web process cannot reach."""
    brand = _load()
    remember(brand)
    return brand


def remember(brand: Brand) -> None:
    cache.set(CACHE_KEY, asdict(brand), timeout=TTL)


def forget() -> None:
    cache.delete(CACHE_KEY)


_pinned: ContextVar[Brand | None] = ContextVar("destek_brand_for_emails", default=None)


@contextmanager
def read_once() -> Iterator[Brand]:
    """Inside, emails take the brand read once on entry (a worker's batch of emails)."""
    brand = fresh()
    token = _pinned.set(brand)
    try:
        yield brand
    finally:
        _pinned.reset(token)


def for_email() -> Brand:
    return _pinned.get() or fresh()


def site_name() -> str:
    """How the product names itself to customers in emails (exports, transcripts, tickets)."""
    return for_email().name
