"""Template helpers for the chat pages."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from destek.accounts.models import Department
from destek.livechat.waiting import wait_text

register = template.Library()


@register.filter
def department_name(department: Department | None) -> str:
    """A department's name in the page's language ("Teknik destek" on Turkish pages)."""
    if department is None:
        return ""
    return department.localized_name((get_language() or "en")[:2])


@register.filter
def wait_duration(seconds: int) -> str:
    """A chat's waiting time in minutes and hours ("12 min", "1 h 5 min")."""
    return wait_text(int(seconds))
