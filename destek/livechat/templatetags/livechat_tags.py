"""Template helpers for the chat pages."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from destek.accounts.models import Department

register = template.Library()


@register.filter
def department_name(department: Department | None) -> str:
    """A department's name in the page's language ("Teknik destek" on Turkish pages)."""
    if department is None:
        return ""
    return department.localized_name((get_language() or "en")[:2])
