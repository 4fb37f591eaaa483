"""The queue page, and its table body alone for htmx refreshes pushed by the live channel."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from destek.accounts.web import acting_user, staff_required
from destek.core.pagination import Page
from destek.desk import choices as desk_choices
from destek.desk.filters import ASSIGNEE_ME, ASSIGNEE_NONE, QueueRequest, parse_queue_request
from destek.desk.forms import BulkForm, bulk_assignee_choices, bulk_department_choices
from destek.desk.presenters import (
    agent_options,
    choices,
    department_options,
    priority_labels,
    queue_rows,
    status_labels,
)
from destek.queues.selectors import QueueFilters, ticket_queue_rows

QUEUE_TABS = ("mine", "unassigned", "open", "all")


def _load_page(request: HttpRequest) -> tuple[QueueRequest, Page[dict[str, Any]]]:
    actor = acting_user(request)
    asked = parse_queue_request(request.GET, actor=actor)
    try:
        page = ticket_queue_rows(actor=actor, filters=asked.filters, cursor=asked.cursor)
    except (ValidationError, ValueError, TypeError, OverflowError):
        # A cursor that decodes but holds values of the wrong type: start from the top.
        asked = QueueRequest(filters=asked.filters, cursor=None, assignee=asked.assignee)
        page = ticket_queue_rows(actor=actor, filters=asked.filters, cursor=None)
    return asked, page


def _query(params: QueryDict, **changes: str | None) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


def _bulk_fields(departments: list[tuple[int, str]],
                 agents: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """The bulk bar's selects: BulkForm's fields and choices, every one on "no change"."""
    fields = BulkForm.base_fields
    options = {
        "status": BulkForm.STATUS_CHOICES,
        "priority": BulkForm.PRIORITY_CHOICES,
        "assignee": bulk_assignee_choices([(str(pk), label) for pk, label in agents]),
        "department": bulk_department_choices([(str(pk), label) for pk, label in departments]),
    }
    return [{"name": name, "id": f"id_{name}", "label": fields[name].label,
             "options": choices(options[name], "")} for name in BulkForm.base_fields]


def _service_chips(filters: QueueFilters, params: QueryDict) -> list[dict[str, str]]:
    """The server and plan filters (set from the customer panel) as chips that remove them."""
    chips = []
    for name, value, label in (("server", filters.server, _("Server")),
                               ("plan", filters.plan, _("Plan"))):
        if value:
            chips.append({"name": name, "value": value, "label": str(label),
                          "remove_query": _query(params, **{name: None, "cursor": None})})
    return chips


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    asked, page = _load_page(request)
    actor = acting_user(request)
    snap = desk_choices.snapshot()
    departments = department_options(desk_choices.departments_for(actor, snap))
    agents = agent_options(desk_choices.agents_for(actor, snap))
    filters = asked.filters
    params = request.GET
    context: dict[str, Any] = {
        "rows": queue_rows(page.items),
        "asked": asked,
        "filters": filters,
        "tab": params.get("queue") if params.get("queue") in QUEUE_TABS else "open",
        "queue_tabs": QUEUE_TABS,
        "department_tabs": [{"id": pk, "label": label, "active": pk == filters.department_id}
                            for pk, label in departments],
        "status_choices": choices(status_labels().items(), filters.statuses),
        "priority_choices": choices(priority_labels().items(), filters.priority),
        "department_choices": choices(departments, filters.department_id),
        "assignee_me": ASSIGNEE_ME,
        "assignee_none": ASSIGNEE_NONE,
        "assignee_choices": choices(agents, asked.assignee),
        "bulk_fields": _bulk_fields(departments, agents),
        "rows_query": params.urlencode(),
        "next_query": _query(params, cursor=page.next_cursor) if page.next_cursor else "",
        "first_query": _query(params, cursor=None),
        "has_cursor": bool(asked.cursor),
        "service_chips": _service_chips(filters, params),
    }
    return render(request, "desk/queue.html", context)


@staff_required
@require_GET
def queue_rows_view(request: HttpRequest) -> HttpResponse:
    """Only the rows: what desk.js fetches when a ticket changed, through the same checks."""
    _asked, page = _load_page(request)
    return render(request, "desk/_queue_rows.html", {"rows": queue_rows(page.items)})
