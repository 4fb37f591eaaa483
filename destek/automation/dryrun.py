"""The dry run: which recent tickets a rule would have matched, and what it would have done.

Reads only: the newest tickets of the last `days` (at most `limit`, by the ticket_created
index), each with the message the event is about — the opening message for "ticket
created", the latest customer message otherwise — in a fixed number of queries, evaluated
as the engine would have at the moment that message arrived."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from destek.automation import conditions as rules
from destek.automation import engine
from destek.automation.happenings import Happening
from destek.automation.models import TriggerEvent
from destek.hosting.selectors import account_tier_expression
from destek.sla.policies import load_config
from destek.tickets.models import AuthorKind, Message, Ticket

MAX_LIMIT = 500
MAX_DAYS = 365


@dataclass(frozen=True)
class Match:
    ticket: Ticket
    message: Message | None


@dataclass(frozen=True)
class DryRun:
    event: str
    scanned: int  # tickets looked at
    matches: list[Match] = field(default_factory=list)
    would_do: list[str] = field(default_factory=list)  # actions.describe's sentences


def _describe(doc: dict[str, Any]) -> list[str]:
    return list(engine.actions_module().describe(doc))


def preview(*, event: str, conditions: dict[str, Any], actions: dict[str, Any],
            limit: int = 200, days: int = 30) -> DryRun:
    """`conditions` are validated here (an ApplicationError names a wrong field); `actions`
    are only described."""
    clean = rules.validate(conditions)
    condition = rules.compile(clean)
    limit = max(1, min(int(limit), MAX_LIMIT))
    since = timezone.now() - timedelta(days=max(1, min(int(days), MAX_DAYS)))
    opening = event == TriggerEvent.TICKET_CREATED
    messages = Message.objects.filter(ticket=OuterRef("pk"), is_internal=False)
    if opening:
        chosen = messages.order_by("created_at", "id")
    else:
        chosen = messages.filter(author_kind=AuthorKind.CUSTOMER).order_by("-created_at", "-id")
    tickets = (Ticket.objects.filter(created_at__gte=since)
               .select_related("customer", "service")
               .annotate(dry_message_id=Subquery(chosen.values("pk")[:1]))
               .order_by("-created_at", "-id"))
    if clean.get("tags_any") or clean.get("tags_none"):
        tickets = tickets.prefetch_related("tags")
    if clean.get("tiers"):
        tickets = tickets.annotate(dry_tier=account_tier_expression(
            customer="customer_id", organization="customer__organization_id"))
    if clean.get("business_hours"):
        tickets = tickets.annotate(dry_policy_id=F("sla__policy_id"))
    rows = list(tickets[:limit])
    sla_config = load_config() if clean.get("business_hours") else None

    def hours_facts(ticket: Ticket) -> dict[str, Any]:
        if sla_config is None:
            return {}
        return {"policy_id": getattr(ticket, "dry_policy_id", None), "sla_config": sla_config}

    ids = [row.dry_message_id for row in rows if row.dry_message_id]
    by_id = Message.objects.select_related("author").in_bulk(ids)
    matches = []
    for ticket in rows:
        message = by_id.get(ticket.dry_message_id)
        happening = Happening(event=event, ticket=ticket, message=message)
        at = message.created_at if message is not None else ticket.created_at
        facts = rules.TicketFacts(happening, at=at, tier=getattr(ticket, "dry_tier", None),
                                  **hours_facts(ticket))
        if message is None:
            facts.__dict__["message"] = None  # no message: never read one per ticket
        if condition.matches(happening, facts):
            matches.append(Match(ticket=ticket, message=message))
    return DryRun(event=event, scanned=len(rows), matches=matches,
                  would_do=_describe(actions))
