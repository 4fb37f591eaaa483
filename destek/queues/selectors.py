"""The agent queues: tickets joined with their SLA row (deadline, warning, paused), filtered,
searched and sorted, one keyset page at a time with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from destek.accounts.models import Role, User
from destek.core.pagination import Page, keyset_page, keyset_page_nulls_last
from destek.hosting.selectors import service_ids_where
from destek.sla.selectors import SLA_COLUMNS, SLA_FILTERS, sla_filter_q
from destek.tickets.access import tickets_visible_to
from destek.tickets.models import OPEN_STATUSES, Status, Ticket, parse_reference
from destek.tickets.selectors import PAGE_SIZE

__all__ = ["PAGE_SIZE", "QUEUES", "QUEUE_ROW_FIELDS", "SLA_FILTERS", "SORTS", "QueueFilters",
           "TicketQueuePage", "ticket_queue", "ticket_queue_count", "ticket_queue_rows"]

QUEUES = ("mine", "unassigned", "open", "all")
SORTS: dict[str, list[tuple[str, bool]]] = {
    "updated": [("updated_at", True), ("id", True)],
    "oldest": [("updated_at", False), ("id", False)],
    "created": [("created_at", True), ("id", True)],
    "priority": [("priority", True), ("updated_at", True), ("id", True)],
    # The next SLA deadline first, tickets without a running one last (keyset_page_nulls_last
    # on the `sla_due_at` annotation: TicketSla.due_at).
    "deadline": [("sla_due_at", False), ("id", False)],
}


@dataclass(frozen=True)
class QueueFilters:
    queue: str = "open"
    statuses: tuple[str, ...] = ()
    priority: int | None = None
    department_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    tag: str = ""
    search: str = ""
    sort: str = "updated"
    sla: str = ""  # "", or one of SLA_FILTERS
    # The tickets about a service on this server / of this plan (Ticket.service), exact.
    server: str = ""
    plan: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _with_sla(filtered: QuerySet[Ticket]) -> QuerySet[Ticket]:
    # The deadline and warning from the ticket's SLA row: one LEFT JOIN on its primary key
    # (shared with the sla__ fields of QUEUE_ROW_FIELDS), no query per row.
    return filtered.annotate(**SLA_COLUMNS)


def _queue_filtered(actor: User, filters: QueueFilters) -> QuerySet[Ticket]:
    qs = tickets_visible_to(actor)
    if filters.queue == "mine":
        qs = qs.filter(assignee=actor, status__in=OPEN_STATUSES)
    elif filters.queue == "unassigned":
        qs = qs.filter(assignee__isnull=True, status__in=OPEN_STATUSES)
    elif filters.queue == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    if filters.statuses:
        qs = qs.filter(status__in=[s for s in filters.statuses if s in Status.values])
    if filters.priority is not None:
        qs = qs.filter(priority=filters.priority)
    if filters.department_id is not None:
        qs = qs.filter(department_id=filters.department_id)
    if filters.unassigned:
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee_id is not None:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    if filters.search:
        qs = qs.filter(_search_condition(filters.search))
    if filters.sla in SLA_FILTERS:
        qs = qs.filter(sla_filter_q(filters.sla, timezone.now()))
    if filters.server or filters.plan:
        # A semi-join on the services (service_server / service_plan indexes) and the
        # tickets' service_id index: no join in the page's rows.
        qs = qs.filter(service_id__in=service_ids_where(server=filters.server,
                                                        plan=filters.plan))
    return qs


def _queue_page(qs: QuerySet[Ticket, Any], filtered: QuerySet[Ticket], filters: QueueFilters,
                cursor: str | None, limit: int) -> Page[Any]:
    """`qs`: the page's rows (`filtered` with its joins and columns)."""
    if filters.sort == "deadline":
        return keyset_page_nulls_last(qs, field="sla_due_at", cursor=cursor, limit=limit)
    ordering = SORTS.get(filters.sort, SORTS["updated"])
    # A tag's tickets come through the tags table, a server's or plan's through its services,
    # in no useful order: choose the page on the tickets alone, then join the people and SLA
    # rows of those 25 only.
    preselect = filtered if filters.tag or filters.server or filters.plan else None
    return keyset_page(qs, ordering=ordering, cursor=cursor, limit=limit, preselect=preselect)


SEARCH_CUSTOMERS = 200  # customers matched by name or address before a search goes by join
SEARCH_SUBJECTS = 500  # tickets matched by subject before a search walks the queue's order


def _search_condition(text: str) -> Q:
    """A ticket number; else the subject or the customer's name or address.

    A rare word must not make PostgreSQL walk the whole queue in its order looking for 25
    matches (67 ms for a word no subject has, at 100,000 tickets; the planner cannot tell a
    rare word from a common one). So the matches are found first, through the trigram
    indexes (tickets.0011, accounts.0002): the customers by name or address, the tickets by
    subject, each up to a bound, and the page is chosen among those by id. A word more
    common than the bound keeps the plain conditions: walking the queue's order then finds
    a page of matches quickly."""
    text = text.strip()[:200]
    pk = parse_reference(text)
    if pk is not None:
        return Q(pk=pk)
    if "@" in text:
        people, joined = Q(email__iexact=text), Q(customer__email__iexact=text)
    else:
        people = Q(full_name__icontains=text) | Q(email__istartswith=text)
        joined = Q(customer__full_name__icontains=text) | Q(customer__email__istartswith=text)
    customers = list(User.objects.filter(people, role=Role.CUSTOMER)
                     .values_list("pk", flat=True)[: SEARCH_CUSTOMERS + 1])
    by_customer = joined if len(customers) > SEARCH_CUSTOMERS else Q(customer_id__in=customers)
    subjects = list(Ticket.objects.filter(subject__icontains=text)
                    .values_list("pk", flat=True)[: SEARCH_SUBJECTS + 1])
    by_subject = (Q(subject__icontains=text) if len(subjects) > SEARCH_SUBJECTS
                  else Q(pk__in=subjects))
    return by_subject | by_customer


@dataclass(frozen=True)
class TicketQueuePage:
    items: list[Ticket]
    next_cursor: str | None
    # Each ticket's tag names by id, sorted, instead of a prefetched `tags` relation: one
    # two-column query, no Tag objects and none of prefetch_related's bookkeeping.
    tag_names: dict[int, list[str]]


def ticket_queue(*, actor: User, filters: QueueFilters, cursor: str | None = None,
                 limit: int = PAGE_SIZE) -> TicketQueuePage:
    """One page of a queue: 2 queries (tickets with their people, then their tags), 3 when
    sorted by deadline (keyset_page_nulls_last)."""
    filtered = _queue_filtered(actor, filters)
    qs = (
        _with_sla(filtered)
        .select_related("customer", "assignee", "department")
        .only("id", "subject", "status", "priority", "channel", "created_at", "updated_at",
              "message_count", "last_customer_message_at", "customer__id", "customer__email",
              "customer__full_name", "assignee__id", "assignee__email", "assignee__full_name",
              "department__id", "department__name", "department__name_tr",
              "department_id", "customer_id", "assignee_id")
    )
    page: Page[Ticket] = _queue_page(qs, filtered, filters, cursor, limit)
    return TicketQueuePage(items=page.items, next_cursor=page.next_cursor,
                           tag_names=_tag_names([t.pk for t in page.items]))


QUEUE_ROW_FIELDS = (
    "id", "subject", "status", "priority", "created_at", "updated_at",
    "customer__full_name", "customer__email", "department__name", "department__name_tr",
    "assignee_id", "assignee__full_name", "assignee__email",
    # SLA, from the ticket's SLA row (a LEFT JOIN on its primary key, no extra query): the
    # next deadline and its warning (annotations), paused, and which target is due.
    "sla_due_at", "sla_warn_at", "sla__paused", "sla__first_response_due",
    "sla__next_response_due", "sla__resolution_due",
)


def ticket_queue_rows(*, actor: User, filters: QueueFilters, cursor: str | None = None,
                      limit: int = PAGE_SIZE) -> Page[dict[str, Any]]:
    """`ticket_queue` as plain rows (the QUEUE_ROW_FIELDS, plus `tag_names`), for pages that
    only print them: same filters, order, cursors and queries, without building four model
    instances per row."""
    filtered = _queue_filtered(actor, filters)
    qs = _with_sla(filtered).values(*QUEUE_ROW_FIELDS)
    page: Page[dict[str, Any]] = _queue_page(qs, filtered, filters, cursor, limit)
    names = _tag_names([row["id"] for row in page.items])
    for row in page.items:
        row["tag_names"] = names[row["id"]]
    return page


def _tag_names(ticket_ids: list[int]) -> dict[int, list[str]]:
    """Each ticket's tag names, sorted: one two-column query for all of them."""
    names: dict[int, list[str]] = {pk: [] for pk in ticket_ids}
    if names:
        through = Ticket.tags.through.objects.filter(ticket_id__in=list(names))
        for ticket_id, name in through.values_list("ticket_id", "tag__name"):
            names[ticket_id].append(name)
    for found in names.values():
        found.sort()
    return names



def ticket_queue_count(*, actor: User, filters: QueueFilters, cap: int) -> int:
    """How many tickets the queue holds, counting no further than `cap`: a saved view's tab
    badge must not count a whole table (`SELECT COUNT(*) FROM (… LIMIT cap)`)."""
    return _queue_filtered(actor, filters).order_by().values("pk")[:cap].count()
