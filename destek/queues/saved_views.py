"""Saved views: create, rename, delete (services), the tabs an agent sees (selector), and the
one permission-checked accessor.

Anyone on the desk keeps views of their own; supervisors and administrators may also share a
view with every agent, and only they change a shared one. A view stores filters, never
tickets: what a tab shows is always the queue's own permission-checked query.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.core.errors import ApplicationError, NotFound
from destek.queues.models import NAME_MAX, QUERY_MAX, SavedView

# The queue URL's filter parameters (desk/filters.py reads them); a page cursor is not one.
FILTER_PARAMS = ("queue", "status", "priority", "department", "assignee", "tag", "q", "sort",
                 "sla", "server", "plan")
MAX_OWN_VIEWS = 30
MAX_SHARED_VIEWS = 30


def normalized_query(pairs: Iterable[tuple[str, str]]) -> str:
    """The filters of a query string, in one canonical spelling: known parameters only,
    trimmed, empty ones dropped, sorted. Two URLs asking for the same filters give the same
    string, so the tab of the view being looked at can be found by equality."""
    kept = sorted({(key, " ".join(value.split())) for key, value in pairs
                   if key in FILTER_PARAMS and value.strip()})
    return urlencode(kept)


def may_share(actor: User) -> bool:
    return actor.may_configure


def saved_views_for(*, actor: User) -> list[SavedView]:
    """The tabs: the agent's own views, then the shared ones, each by name (one query)."""
    rows = list(SavedView.objects.filter(Q(owner=actor) | Q(shared=True))
                .order_by("-shared", "name", "pk")[: MAX_OWN_VIEWS + MAX_SHARED_VIEWS])
    return sorted(rows, key=lambda v: (v.shared, v.name.casefold(), v.pk))


def access_saved_view_by_id(*, actor: User, view_id: int, for_change: bool = False
                            ) -> SavedView:
    """A view `actor` may see (their own or a shared one), or change (their own personal
    view; a shared one if they may share). Anything else is NotFound."""
    view = SavedView.objects.filter(pk=view_id).filter(Q(owner=actor) | Q(shared=True)).first()
    if view is None or not actor.is_agent:
        raise NotFound(_("View not found."))
    if for_change and not (may_share(actor) if view.shared else view.owner_id == actor.pk):
        raise NotFound(_("View not found."))
    return view


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ApplicationError(_("Give the view a name."), field="name")
    if len(name) > NAME_MAX:
        raise ApplicationError(_("Keep the name under %(count)d characters.")
                               % {"count": NAME_MAX}, field="name")
    return name


def _save(view: SavedView, fields: list[str] | None = None) -> SavedView:
    try:
        with transaction.atomic():
            view.save(update_fields=fields)
    except IntegrityError:
        raise ApplicationError(_("You already have a view with this name."),
                               field="name") from None
    return view


def saved_view_create(*, actor: User, name: str, query: str, shared: bool = False
                      ) -> SavedView:
    if not actor.is_agent:
        raise NotFound(_("View not found."))
    if shared and not may_share(actor):
        raise ApplicationError(_("Only supervisors and administrators share views."),
                               field="shared")
    query = normalized_query(parse_qsl(query))
    if len(query) > QUERY_MAX:
        raise ApplicationError(_("These filters are too long to save."), field="query")
    if SavedView.objects.filter(owner=actor, shared=shared).count() >= (
            MAX_SHARED_VIEWS if shared else MAX_OWN_VIEWS):
        raise ApplicationError(_("You have too many views; delete one first."), field="name")
    view = SavedView(owner=actor, name=_clean_name(name), query=query, shared=shared)
    return _save(view)


def saved_view_rename(*, actor: User, view_id: int, name: str) -> SavedView:
    view = access_saved_view_by_id(actor=actor, view_id=view_id, for_change=True)
    view.name = _clean_name(name)
    return _save(view, ["name", "updated_at"])


def saved_view_delete(*, actor: User, view_id: int) -> None:
    access_saved_view_by_id(actor=actor, view_id=view_id, for_change=True).delete()
