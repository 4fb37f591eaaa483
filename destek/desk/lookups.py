"""Small reads the desk's forms need: which departments and which colleagues an agent may pick.

Each is one bounded query, evaluated once per request and shared by every select on the page,
so the page's query count does not grow with the number of dropdowns.
"""

from __future__ import annotations

from django.db.models import QuerySet

from destek.accounts import scope
from destek.accounts.models import Department, User

MAX_AGENT_CHOICES = 500


def departments_for(actor: User) -> QuerySet[Department]:
    """The departments `actor` can see: all of them, or only their own when outsourced."""
    return scope.departments_for(actor).only("id", "name", "name_tr").order_by("name", "pk")


def assignable_agents(actor: User) -> QuerySet[User]:
    """Colleagues `actor` may hand a ticket to; outsourced agents only see their departments."""
    return scope.colleagues_for(actor).only("id", "full_name", "email", "role").order_by(
        "full_name", "email", "pk")[:MAX_AGENT_CHOICES]
