"""Filters for the public status page: a model's text in the page's language, a status's
label and CSS class (no inline style: the Content-Security-Policy allows none)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from destek.status.models import ComponentStatus, IncidentState

register = template.Library()


def _language() -> str:
    return (get_language() or "en")[:2]


@register.filter
def name_in_language(obj: Any) -> str:
    """A component's or group's name in the page's language."""
    return str(obj.localized_name(_language())) if obj is not None else ""


@register.filter
def title_in_language(incident: Any) -> str:
    return str(incident.localized_title(_language()))


@register.filter
def body_in_language(update: Any) -> str:
    return str(update.localized_body(_language()))


@register.filter
def description_in_language(component: Any) -> str:
    return str(component.localized_description(_language()))


@register.filter
def what_in_language(routine: Any) -> str:
    return str(routine.localized_what(_language()))


@register.filter
def status_label(status: str) -> str:
    """A component status's or an incident state's label; "No data" for none."""
    for choices in (ComponentStatus, IncidentState):
        if status in choices.values:
            return str(choices(status).label)
    return ""


@register.filter
def status_css(status: str) -> str:
    return f"st-{status}" if status else "st-none"


@register.filter
def latest(updates: Any) -> Any:
    """The newest update of a prefetched timeline (ordered oldest first)."""
    rows = list(updates.all())
    return rows[-1] if rows else None


@register.filter
def newest_first(updates: Any) -> list[Any]:
    return list(reversed(list(updates.all())))
