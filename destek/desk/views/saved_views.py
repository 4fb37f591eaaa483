"""Saved views on the queue: their tabs with a count each (fetched by htmx after the page,
counted no further than COUNT_CAP and kept COUNT_SECONDS in the cache), and the forms that
save the current filters, rename a view and delete it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from destek.accounts.models import User
from destek.accounts.web import acting_user, staff_required
from destek.core.errors import ApplicationError, NotFound
from destek.desk.filters import parse_queue_request
from destek.queues.models import SavedView
from destek.queues.saved_views import (
    may_share,
    normalized_query,
    saved_view_create,
    saved_view_delete,
    saved_view_rename,
    saved_views_for,
)
from destek.queues.selectors import QueueFilters, ticket_queue_count

COUNT_CAP = 100  # a tab shows "99+" beyond
COUNT_SECONDS = 30


@dataclass(frozen=True)
class SavedViewTab:
    id: int
    name: str
    query: str
    shared: bool
    active: bool
    editable: bool
    count: int

    @property
    def count_label(self) -> str:
        return "99+" if self.count >= COUNT_CAP else str(self.count)


def _count_key(actor: User, view: SavedView) -> str:
    # The view's last change in the key: a renamed or re-saved view is counted afresh.
    return f"destek:saved-view-count:{actor.pk}:{view.pk}:{view.updated_at.timestamp()}"


def view_counts(*, actor: User, views: list[SavedView]) -> dict[int, int]:
    """Each view's count, capped: one bounded query per view not counted lately."""
    keys = {view.pk: _count_key(actor, view) for view in views}
    found = cache.get_many(list(keys.values()))
    counts: dict[int, int] = {}
    fresh: dict[str, int] = {}
    for view in views:
        key = keys[view.pk]
        if key in found:
            counts[view.pk] = int(found[key])
            continue
        counts[view.pk] = fresh[key] = ticket_queue_count(
            actor=actor, filters=_filters(actor, view), cap=COUNT_CAP)
    if fresh:
        cache.set_many(fresh, timeout=COUNT_SECONDS)
    return counts


def _filters(actor: User, view: SavedView) -> QueueFilters:
    return parse_queue_request(QueryDict(view.query), actor=actor).filters


@staff_required
@require_GET
def saved_view_tabs(request: HttpRequest) -> HttpResponse:
    """The queue's saved-view tabs; the query string is the queue page's, to mark its tab."""
    actor = acting_user(request)
    views = saved_views_for(actor=actor)
    counts = view_counts(actor=actor, views=views)
    # The tab of the filters on screen, however the URL spells them (defaults or not).
    current = parse_queue_request(request.GET, actor=actor).filters
    tabs = [SavedViewTab(id=v.pk, name=v.name, query=v.query, shared=v.shared,
                         active=_filters(actor, v) == current,
                         editable=may_share(actor) if v.shared else v.owner_id == actor.pk,
                         count=counts[v.pk]) for v in views]
    active = next((t for t in tabs if t.active), None)
    return render(request, "desk/_saved_views.html", {"tabs": tabs, "active": active})


def _queue_url(query: str) -> str:
    return reverse("desk:queue") + (f"?{query}" if query else "")


@staff_required
@require_POST
def saved_view_new(request: HttpRequest) -> HttpResponse:
    """Save the filters the queue shows now (its query string) under a name."""
    query = request.POST.get("query", "")
    try:
        view = saved_view_create(actor=acting_user(request), name=request.POST.get("name", ""),
                                 query=query, shared=request.POST.get("shared") == "on")
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(_queue_url(normalized_query(parse_qsl(query))))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_queue_url(view.query))


@staff_required
@require_POST
def saved_view_edit(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        view = saved_view_rename(actor=acting_user(request), view_id=view_id,
                                 name=request.POST.get("name", ""))
    except NotFound:
        raise Http404("View not found.") from None
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("desk:queue")
    messages.success(request, _("View renamed to “%(name)s”.") % {"name": view.name})
    return redirect(_queue_url(view.query))


@staff_required
@require_POST
def saved_view_remove(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        saved_view_delete(actor=acting_user(request), view_id=view_id)
    except NotFound:
        raise Http404("View not found.") from None
    messages.success(request, _("View deleted."))
    return redirect("desk:queue")
