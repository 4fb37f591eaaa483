"""Presentation helpers for desk templates: colours and labels, no queries, no business logic."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from destek.accounts.models import Department
from destek.desk.presenters import Choice
from destek.tickets import web as badges
from destek.tickets.models import EventKind, Status, format_reference

register = template.Library()

@register.filter
def priority_badge(value: int) -> str:
    return badges.priority_badge(value)


@register.filter
def status_badge(value: str) -> str:
    return badges.status_badge(value)


@register.filter
def localized(department: Department | None) -> str:
    """A department's name in the page's language (Turkish name when there is one)."""
    return department.localized_name(get_language()) if department is not None else ""


@register.filter
def status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


@register.simple_tag
def event_value(kind: str, value: str) -> str:
    """History stores status codes; show them as the labels agents know."""
    if kind == EventKind.STATUS:
        return status_label(value)
    return value


@register.filter
def reference(pk: int | None) -> str:
    """T-100042 from a primary key, without loading the ticket."""
    return format_reference(pk)


@register.simple_tag
def options(choices: Iterable[Choice]) -> SafeString:
    """The `<option>`s of a select from `presenters.choices()`, values and labels escaped.

    One tag instead of a template loop: a page has about eighty options, and three variable
    lookups and an `{% if %}` per option cost more than the rest of the filter bar.
    """
    return mark_safe("".join(  # every value and label below is escaped
        f'<option value="{escape(c["value"])}"{" selected" if c["selected"] else ""}>'
        f'{escape(c["label"])}</option>'
        for c in choices
    ))
