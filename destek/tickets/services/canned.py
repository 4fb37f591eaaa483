"""Canned responses: fill the placeholders of a saved reply for one ticket and one agent.

Placeholders are `{name}` words. Only the known ones are replaced; anything else (an unknown
word, a stray brace, `{0}`, `{a.b}`) is left exactly as written. That is why this is a small
regular expression and not `str.format`: format strings raise on unbalanced braces or
positional fields, and allow attribute access (`{customer_name.__class__}`) that admins' text
should never be able to trigger.
"""

from __future__ import annotations

import re

from destek.accounts.models import User
from destek.tickets.models import CannedResponse, Ticket

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = (
    "customer_name",
    "customer_email",
    "ticket_number",
    "ticket_subject",
    "agent_name",
    "department",
)


def canned_placeholders(*, ticket: Ticket, agent: User, language: str = "") -> dict[str, str]:
    """The values a canned response may use; `ticket` must have customer and department loaded."""
    customer = ticket.customer
    lang = language or customer.language
    return {
        "customer_name": customer.full_name or customer.email,
        "customer_email": customer.email,
        "ticket_number": ticket.reference,
        "ticket_subject": ticket.subject,
        "agent_name": agent.display_name,
        "department": ticket.department.localized_name(lang),
    }


def render_text(template: str, values: dict[str, str]) -> str:
    """Replace known `{placeholder}`s in `template`; leave everything else untouched."""

    def substitute(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else value

    return PLACEHOLDER.sub(substitute, template)


def canned_response_render(*, canned: CannedResponse, ticket: Ticket, agent: User) -> str:
    """The text an agent starts a reply with; plain text, escaped later like any reply."""
    values = canned_placeholders(ticket=ticket, agent=agent, language=canned.language)
    return render_text(canned.body, values)
