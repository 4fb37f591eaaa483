"""Ticket and hosting domain events → SLA deadlines (wired in destek.wiring). They run
inside the service's transaction, so the stored deadlines always match the committed ticket
(and the customer's committed tier)."""

from __future__ import annotations

from django.db.models import Q

from destek.hosting.domain_events import CustomerTiersChanged
from destek.sla.configuration import recompute_start
from destek.sla.policies import load_config
from destek.sla.services.oncall import alert_on_call_if_needed
from destek.sla.services.recompute import recompute_tickets
from destek.sla.services.refresh import sla_refresh
from destek.tickets.domain_events import MessagePosted, TicketOpened, TicketUpdated
from destek.tickets.models import OPEN_STATUSES, AuthorKind, Ticket

# Changes that can move a deadline or pick another policy; an assignment alone cannot.
# The service: its kind, plan and server are policy conditions.
SLA_FIELDS = frozenset({"status", "priority", "department", "channel", "resolved_at",
                        "closed_at", "merged_into", "message_count", "service", "service_id"})
# A tier change recomputes its accounts' open tickets in the caller's transaction up to this
# many; beyond (a reseller's thousands, new tier thresholds), every open ticket is recomputed
# by the background job, as after a policy change.
TIER_INLINE_TICKETS = 500


def on_ticket_opened(event: TicketOpened) -> None:
    message = event.message
    by_customer = message.author_kind == AuthorKind.CUSTOMER
    sla = sla_refresh(ticket=event.ticket, now=message.created_at, created=True,
                      customer_waiting=by_customer, at=message.created_at)
    alert_on_call_if_needed(ticket=event.ticket, now=message.created_at,
                            due_at=sla.due_at if sla else None, new_ticket=True)


def on_message_posted(event: MessagePosted) -> None:
    message = event.message
    if message.is_internal or message.is_auto_reply:
        return  # a note or an out-of-office changes no clock
    by_customer = message.author_kind == AuthorKind.CUSTOMER
    sla_refresh(ticket=event.ticket, now=message.created_at, at=message.created_at,
                customer_waiting=by_customer, agent_answered=not by_customer)


def on_ticket_updated(event: TicketUpdated) -> None:
    if not SLA_FIELDS.intersection(event.fields):
        return
    sla = sla_refresh(ticket=event.ticket)
    if "priority" in event.fields or "status" in event.fields:
        alert_on_call_if_needed(ticket=event.ticket, due_at=sla.due_at if sla else None)


def on_customer_tiers_changed(event: CustomerTiersChanged) -> None:
    """The accounts' open tickets follow their new tier, when some policy looks at tiers."""
    if not load_config().has_tier_conditions:
        return
    organizations = {c.organization_id for c in event.changes if c.organization_id}
    people = {c.customer_id for c in event.changes if c.customer_id}
    ids = list(Ticket.objects.filter(
        Q(customer__organization_id__in=organizations) | Q(customer_id__in=people),
        status__in=OPEN_STATUSES).order_by().values_list("pk", flat=True)
        [:TIER_INLINE_TICKETS + 1])
    if len(ids) > TIER_INLINE_TICKETS:
        recompute_start(reason=f"customer tiers changed ({len(event.changes)} accounts)")
    elif ids:
        recompute_tickets(ticket_ids=sorted(ids))
