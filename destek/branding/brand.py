"""`current()`: the brand every page, email and the chat widget shows, from the cache.

One cache read per call; a miss reads the row once (or learns there is none) and caches the
answer until the branding is saved, which replaces it (`services.branding_update`). The images
themselves are not cached here: only whether there is one and its type, for their URLs."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from destek.branding.colors import darker, rgb
from destek.branding.models import SINGLETON_PK, Branding

CACHE_KEY = "destek:branding:v1"
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
    found = cache.get(CACHE_KEY)
    if isinstance(found, dict):
        return Brand(**found)
    brand = _load()
    remember(brand)
    return brand


def remember(brand: Brand) -> None:
    cache.set(CACHE_KEY, asdict(brand), timeout=None)


def forget() -> None:
    cache.delete(CACHE_KEY)


def site_name() -> str:
    """How the product names itself to customers: in emails, the widget, page titles."""
    return current().name
