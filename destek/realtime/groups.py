"""Channel-layer group names, in one place so publishers and consumers cannot drift apart.

Agents who see every department listen on ALL; outsourced agents listen only on the groups
of their departments. Every ticket event is sent to both, so each agent hears it once.
"""

from __future__ import annotations

ALL = "desk.all"


def department_group(department_id: int) -> str:
    return f"desk.dept.{department_id}"


def user_group(user_id: int) -> str:
    """Every open desk of one agent: alerts meant for them alone (SLA warnings, breaches)."""
    return f"desk.user.{user_id}"


def ticket_group(ticket_id: int) -> str:
    """Agents who have this ticket open: presence ("viewing", "replying") travels here."""
    return f"ticket.{ticket_id}"
