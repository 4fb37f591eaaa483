"""The queue page, and its table body alone for htmx refreshes pushed by the live channel."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from destek.core.pagination import Page
from destek.desk.decorators import staff_required
from destek.desk.filters import ASSIGNEE_ME, ASSIGNEE_NONE, QueueRequest, parse_queue_request
from destek.desk.forms import BulkForm
from destek.desk.lookups import assignable_agents, departments_for
from destek.desk.views.common import acting_user
from destek.tickets.models import Priority, Status, Ticket
from destek.tickets.selectors import ticket_queue

QUEUE_TABS = ("mine", "unassigned", "open", "all")


def _load_page(request: HttpRequest) -> tuple[QueueRequest, Page[Ticket]]:
    actor = acting_user(request)
    asked = parse_queue_request(request.GET, actor=actor)
    try:
        page = ticket_queue(actor=actor, filters=asked.filters, cursor=asked.cursor)
    except (ValidationError, ValueError, TypeError, OverflowError):
        # A cursor that decodes but holds values of the wrong type: start from the top.
        asked = QueueRequest(filters=asked.filters, cursor=None, assignee=asked.assignee)
        page = ticket_queue(actor=actor, filters=asked.filters, cursor=None)
    return asked, page


def _query(params: QueryDict, **changes: str | None) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    asked, page = _load_page(request)
    actor = acting_user(request)
    departments = list(departments_for(actor))
    agents = list(assignable_agents(actor))
    params = request.GET
    context: dict[str, Any] = {
        "page": page,
        "asked": asked,
        "filters": asked.filters,
        "tab": params.get("queue") if params.get("queue") in QUEUE_TABS else "open",
        "queue_tabs": QUEUE_TABS,
        "departments": departments,
        "agents": agents,
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "assignee_me": ASSIGNEE_ME,
        "assignee_none": ASSIGNEE_NONE,
        "bulk_form": BulkForm(departments=departments, agents=agents),
        "rows_query": params.urlencode(),
        "next_query": _query(params, cursor=page.next_cursor) if page.next_cursor else "",
        "first_query": _query(params, cursor=None),
        "has_cursor": bool(asked.cursor),
    }
    return render(request, "desk/queue.html", context)


@staff_required
@require_GET
def queue_rows(request: HttpRequest) -> HttpResponse:
    """Only the rows: what desk.js fetches when a ticket changed, through the same checks."""
    _asked, page = _load_page(request)
    return render(request, "desk/_queue_rows.html", {"page": page})
