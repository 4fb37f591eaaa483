"""The one write the desk owns itself: an agent switching automatic assignment on or off.

It belongs with the accounts services once that module exists; it is here so the desk does
not write to the user row from a view.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.core.errors import PermissionDenied


def agent_set_availability(*, agent: User, available: bool) -> User:
    """Routing (services.routing) only picks agents with is_available set."""
    if not agent.is_authenticated or not agent.is_agent:
        raise PermissionDenied(_("Only agents have an availability."))
    if agent.is_available != available:
        agent.is_available = available
        agent.save(update_fields=["is_available"])
    return agent
