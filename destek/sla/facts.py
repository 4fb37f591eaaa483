"""From rows to the engine's values: a ticket's Facts, its policy, and the columns to write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from destek.hosting.selectors import account_tier_expression
from destek.sla.calendar import from_us, to_us
from destek.sla.engine import Computed, Facts, Stretch, check_candidates
from destek.sla.models import Metric
from destek.sla.policies import NO_HOSTING, Config, Hosting, HostingLookup, Policy
from destek.tickets.models import OPEN_STATUSES, Status, Ticket


def us(value: datetime | None) -> int | None:
    return None if value is None else to_us(value)


def dt(value: int | None) -> datetime | None:
    return None if value is None else from_us(value)


def load_stretches(raw: list[Any]) -> list[Stretch]:
    out: list[Stretch] = []
    for start, end, status in raw or []:
        out.append((int(start), None if end is None else int(end), str(status)))
    return out


def dump_stretches(stretches: list[Stretch]) -> list[list[Any]]:
    return [[start, end, status] for start, end, status in stretches]


def with_status(stretches: list[Stretch], status: str, now: int) -> list[Stretch]:
    """The stretches after the ticket is seen in `status` at `now`."""
    if stretches and stretches[-1][2] == status and stretches[-1][1] is None:
        return stretches
    closed = list(stretches)
    if closed and closed[-1][1] is None:
        start, _end, old = closed[-1]
        closed[-1] = (start, max(start, now), old)
    # Keep the list short: statuses that pause nothing in any policy still matter for a
    # future policy, but a hundred flips back and forth only need the last ones.
    return [*closed[-99:], (now, None, status)]


_T = TypeVar("_T")


def initial_stretches(*, status: str, created_at: datetime, updated_at: datetime) -> list[Stretch]:
    """A ticket that predates the SLA engine: its current status since its last change."""
    return [(to_us(status_since(status, created_at, updated_at)), None, status)]


def status_since(status: str, created: _T, updated: _T) -> _T:
    """When a ticket without SLA state entered its status (datetimes or µs alike): a new or
    open one counts from its creation, any other from its last change."""
    return created if status in (Status.NEW, Status.OPEN) else updated


def facts_for(*, ticket_values: dict[str, Any], stretches: list[Stretch],
              awaiting_since: datetime | None, response_cycle: int) -> Facts:
    """`ticket_values`: created_at, status, first_response_at, last_agent_message_at,
    resolved_at (a dict, so the bulk recompute can pass .values() rows)."""
    responded = ticket_values.get("first_response_at") or ticket_values.get(
        "last_agent_message_at")
    created = to_us(ticket_values["created_at"])
    return Facts(
        created=created, is_open=ticket_values["status"] in OPEN_STATUSES,
        responded=us(responded), resolved=us(ticket_values.get("resolved_at")),
        last_agent_message=us(ticket_values.get("last_agent_message_at")),
        awaiting_since=us(awaiting_since), response_cycle=response_cycle,
        stretches=stretches,
    )


def derived_awaiting(ticket_values: dict[str, Any]) -> Any:
    """For a ticket without SLA state: waiting since the customer's last message if no agent
    wrote after it (None otherwise); a datetime or µs, as the values hold them."""
    customer = ticket_values.get("last_customer_message_at")
    agent = ticket_values.get("last_agent_message_at")
    if customer is None or (agent is not None and agent >= customer):
        return None
    return customer


def match_policy(config: Config, ticket_values: dict[str, Any],
                 organization_id: int | None,
                 hosting: HostingLookup | None = None) -> Policy | None:
    return config.policy_for(priority=ticket_values["priority"],
                             channel=ticket_values["channel"],
                             department_id=ticket_values["department_id"],
                             organization_id=organization_id, hosting=hosting)


def asks_hosting(config: Config, ticket_values: dict[str, Any],
                 organization_id: int | None) -> bool:
    return config.asks_hosting(priority=ticket_values["priority"],
                               channel=ticket_values["channel"],
                               department_id=ticket_values["department_id"],
                               organization_id=organization_id)


def hosting_facts(ticket_ids: list[int]) -> dict[int, Hosting]:
    """The hosting context of these tickets, in one query: their service's kind, plan and
    server, their customer's tier (destek.hosting.selectors) and resellers."""
    if not ticket_ids:
        return {}
    rows = Ticket.objects.filter(pk__in=ticket_ids).order_by().values(
        "id", "service__kind", "service__plan", "service__server",
        "customer__organization_id", "customer__organization__is_reseller",
        "customer__organization__reseller_id",
        tier=account_tier_expression(customer="customer_id",
                                     organization="customer__organization_id"))
    out: dict[int, Hosting] = {}
    for row in rows:
        resellers = {row["customer__organization__reseller_id"]}
        if row["customer__organization__is_reseller"]:
            resellers.add(row["customer__organization_id"])
        out[row["id"]] = Hosting(kind=row["service__kind"] or "",
                                 plan=row["service__plan"] or "",
                                 server=row["service__server"] or "", tier=row["tier"],
                                 reseller_ids=frozenset(r for r in resellers if r))
    return out


def hosting_lookup(ticket_id: int) -> HostingLookup:
    """One ticket's hosting context, read when (and if) a policy asks for it."""
    def lookup() -> Hosting:
        return hosting_facts([ticket_id]).get(ticket_id, NO_HOSTING)
    return lookup


@dataclass(frozen=True)
class Columns:
    """What is written on the ticket's TicketSla row."""

    due_at: Any  # datetime | None, or µs (see columns_for)
    warn_at: Any
    next_check_at: Any
    first_response_due: Any
    next_response_due: Any
    resolution_due: Any
    progress_due: Any
    paused: bool
    paused_seconds: int


def columns_for(computed: Computed | None, policy: Policy | None, *, is_open: bool,
                convert: Callable[[int | None], Any] = dt) -> Columns:
    """The values to store; instants as datetimes, or as µs with convert=identity (the
    bulk recompute writes those without building datetime objects)."""
    if computed is None or policy is None or not is_open:
        return Columns(None, None, None, None, None, None, None,
                       bool(computed and computed.paused and is_open),
                       (computed.paused_us // 1_000_000) if computed else 0)
    dues: dict[str, int | None] = {t.metric: t.due for t in computed.running()}
    candidates = check_candidates(computed, policy)
    return Columns(
        due_at=convert(computed.due_at), warn_at=convert(computed.warn_at),
        next_check_at=convert(min(candidates, default=None)),
        first_response_due=convert(dues.get(Metric.FIRST_RESPONSE)),
        next_response_due=convert(dues.get(Metric.NEXT_RESPONSE)),
        resolution_due=convert(dues.get(Metric.RESOLUTION)),
        progress_due=convert(computed.progress_next), paused=computed.paused,
        paused_seconds=computed.paused_us // 1_000_000,
    )


def same(value: int | None) -> int | None:
    return value
