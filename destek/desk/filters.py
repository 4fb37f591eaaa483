"""Turning a queue URL's query string into QueueFilters, tolerating anything a user can type.

A bookmarked or hand-edited URL must never produce a 500: unknown values fall back to the
default for that filter instead of raising.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict
from django.utils.text import slugify

from destek.accounts.models import User
from destek.queues.selectors import QUEUES, SLA_FILTERS, SORTS, QueueFilters
from destek.tickets.models import Priority, Status

MAX_ID = 2**63 - 1
ASSIGNEE_ME = "me"
ASSIGNEE_NONE = "none"


def parse_id(value: str | None) -> int | None:
    """A positive database id, or None for anything else (including absurdly large numbers)."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


SERVER_MAX = 120  # hosting.Service.server's and .plan's lengths: a longer value matches nothing
PLAN_MAX = 120


def _exact(value: str, limit: int) -> str:
    """A server or plan name as typed or linked: trimmed; one longer than the column matches
    no service, so it is dropped rather than cut into another name."""
    value = value.strip()
    return value if len(value) <= limit else ""


@dataclass(frozen=True)
class QueueRequest:
    """What the queue page was asked for: the filters, the page cursor, and the raw choices."""

    filters: QueueFilters
    cursor: str | None
    assignee: str  # "", "me", "none" or an id, as the select shows it


def parse_queue_request(params: QueryDict, *, actor: User) -> QueueRequest:
    queue = params.get("queue", "")
    if queue not in QUEUES:
        queue = "open"
    statuses = tuple(s for s in params.getlist("status") if s in Status.values)
    if statuses and queue == "open":
        # "Open" is itself a status filter; an explicit status choice replaces it.
        queue = "all"
    priority = parse_id(params.get("priority"))
    if priority not in Priority.values:
        priority = None
    assignee = params.get("assignee", "")
    assignee_id = actor.pk if assignee == ASSIGNEE_ME else parse_id(assignee)
    if assignee not in (ASSIGNEE_ME, ASSIGNEE_NONE) and assignee_id is None:
        assignee = ""
    filters = QueueFilters(
        queue=queue,
        statuses=statuses,
        priority=priority,
        department_id=parse_id(params.get("department")),
        assignee_id=assignee_id,
        unassigned=assignee == ASSIGNEE_NONE,
        tag=slugify(params.get("tag", ""), allow_unicode=True)[:50],
        search=" ".join(params.get("q", "").split())[:200],
        sort=params.get("sort", "") if params.get("sort", "") in SORTS else "updated",
        sla=params.get("sla", "") if params.get("sla", "") in SLA_FILTERS else "",
        server=_exact(params.get("server", ""), SERVER_MAX),
        plan=_exact(params.get("plan", ""), PLAN_MAX),
    )
    cursor = params.get("cursor", "")[:500] or None
    return QueueRequest(filters=filters, cursor=cursor, assignee=assignee)
