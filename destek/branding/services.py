"""Saving the branding: one row, a new version, the cached brand replaced after commit."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from destek.branding.brand import Brand, brand_of, forget, remember
from destek.branding.images import Image
from destek.branding.models import SINGLETON_PK, Branding


@dataclass(frozen=True)
class ImageChange:
    """A new image, or `remove`; neither keeps the current one."""

    image: Image | None = None
    remove: bool = False


KEEP = ImageChange()


def branding_get() -> Branding:
    """The row to edit (unsaved when there is none yet)."""
    return Branding.objects.filter(pk=SINGLETON_PK).first() or Branding(pk=SINGLETON_PK)


def _apply(row: Branding, field: str, change: ImageChange) -> bool:
    if change.image is not None:
        setattr(row, field, change.image.content)
        setattr(row, f"{field}_type", change.image.content_type)
        return True
    if change.remove and getattr(row, f"{field}_type"):
        setattr(row, field, b"")
        setattr(row, f"{field}_type", "")
        return True
    return False


def branding_update(*, name: str, primary_color: str, logo: ImageChange = KEEP,
                    favicon: ImageChange = KEEP) -> tuple[Brand, list[str]]:
    """Save the branding (already validated by the form); returns the new brand and the names
    of the fields that changed, for the audit log."""
    with transaction.atomic():
        row = (Branding.objects.select_for_update().filter(pk=SINGLETON_PK).first()
               or Branding(pk=SINGLETON_PK, version=0))
        changed = [f for f, v in (("name", name), ("primary_color", primary_color))
                   if getattr(row, f) != v]
        row.name, row.primary_color = name, primary_color
        changed += [f for f, c in (("logo", logo), ("favicon", favicon)) if _apply(row, f, c)]
        row.version += 1
        row.save()
        brand = brand_of(row)
        # Forgotten now (this transaction's next read sees the new row) and replaced after the
        # commit, so a reader that cached the old row in between cannot keep it.
        forget()
        transaction.on_commit(lambda: remember(brand))
    return brand, changed
