"""Presentation helpers for the portal's templates (no business rules here)."""

from __future__ import annotations

from django import template

from destek.accounts.models import Department
from destek.portal.lang import current_language
from destek.tickets.models import format_reference
from destek.tickets.web import status_badge

register = template.Library()

@register.filter
def localized(department: Department | None) -> str:
    """A department's name in the language of the page."""
    return department.localized_name(current_language()) if department else ""


@register.filter
def status_class(status: str) -> str:
    return status_badge(status)


@register.filter
def reference(ticket_id: int | None) -> str:
    """The customer-facing number of a ticket id, e.g. for `merged_into_id`."""
    return format_reference(ticket_id)
