"""Reads of the recovery screens: the supervisors' list (open first), bounded."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from destek.feedback.models import Recovery, RecoveryState

RECOVERIES_SHOWN = 100


def recovery_list(*, state: str = "") -> QuerySet[Recovery]:
    """Open recoveries first, then the closed ones, each oldest first (the most urgent),
    at most RECOVERIES_SHOWN; with what a row shows (customer, owner, ticket and its SLA
    deadlines) in the same query."""
    qs = Recovery.objects.select_related("customer", "owner", "ticket", "ticket__sla",
                                         "rating")
    if state in RecoveryState.values:
        qs = qs.filter(state=state)
    return qs.annotate(open_first=Case(When(state=RecoveryState.OPEN, then=Value(0)),
                                       default=Value(1), output_field=IntegerField())
                       ).order_by("open_first", "opened_at", "pk")[:RECOVERIES_SHOWN]
