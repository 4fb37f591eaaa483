"""The one row of branding (primary key 1). Its images are small and kept in the row itself:
they are served by Destek's own views (the media folder is never served), behind a version
number that also makes their URLs cacheable forever."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

SINGLETON_PK = 1


class Branding(models.Model):
    name = models.CharField(_("name"), max_length=60, blank=True)
    primary_color = models.CharField(_("primary colour"), max_length=7, blank=True)
    logo = models.BinaryField(_("logo"), blank=True, default=b"")
    logo_type = models.CharField(max_length=40, blank=True)
    favicon = models.BinaryField(_("favicon"), blank=True, default=b"")
    favicon_type = models.CharField(max_length=40, blank=True)
    # Moves on every save: the stylesheet's and the images' URLs carry it.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("branding")
        verbose_name_plural = _("branding")

    def __str__(self) -> str:
        return self.name or "Destek"
