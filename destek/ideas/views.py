"""The board's pages: thin adapters over destek.ideas.selectors, services and staff."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from destek.accounts.web import acting_user, staff_required
from destek.core.csp import allow_framing_by
from destek.core.errors import ApplicationError, NotFound
from destek.hosting.labels import service_label
from destek.hosting.selectors import services_to_choose
from destek.ideas import selectors, services, staff
from destek.ideas.access import access_idea_by_id, is_customer, visible_categories
from destek.ideas.models import IdeaComment, IdeaStatus

View = Callable[..., HttpResponseBase]


def _idea(request: HttpRequest, idea_id: int, *, for_update: bool = False) -> Any:
    try:
        return access_idea_by_id(actor=request.user, idea_id=idea_id, for_update=for_update)
    except NotFound as exc:
        raise Http404("Not found.") from exc


def customer_required(view: View) -> View:
    """Signed-in customers; visitors go to the login page, staff get 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_customer(request.user):
            raise Http404("Not found.")
        return view(request, *args, **kwargs)

    return wrapper


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    data = selectors.board(actor=request.user, sort=request.GET.get("sort", "top"),
                           status=request.GET.get("status", ""),
                           category_id=_int(request.GET.get("category")),
                           cursor=request.GET.get("after") or None)
    return render(request, "ideas/board.html", {"board": data, "statuses": IdeaStatus.choices})


@require_GET
def embed(request: HttpRequest) -> HttpResponse:
    """A compact board for the hosting company's control panel, framed from the configured
    origins only (DESTEK_IDEAS_EMBED_ORIGINS)."""
    data = selectors.board(actor=request.user, sort=request.GET.get("sort", "top"),
                           cursor=request.GET.get("after") or None, limit=10)
    response = render(request, "ideas/embed.html", {"board": data})
    allow_framing_by(response, tuple(getattr(settings, "DESTEK_IDEAS_EMBED_ORIGINS", ())))
    return response


@require_GET
def detail(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea = _idea(request, idea_id)
    if idea.merged_into_id is not None:
        return redirect(reverse("ideas:detail", args=[idea.merged_into_id]))
    page = selectors.idea_page(actor=request.user, idea=idea)
    return render(request, "ideas/detail.html", {"page": page, "idea": idea,
                                                 "statuses": IdeaStatus.choices})


@customer_required
def new(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    categories = visible_categories(user)
    choices = services_to_choose(customer=user)
    values = {"title": "", "description": "", "category": "", "service": ""}
    error = None
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            category_id = _int(values["category"])
            if category_id is None:
                raise ApplicationError(_("Choose a category."), field="category")
            idea = services.idea_create(author=user, title=values["title"],
                                        description=values["description"],
                                        category_id=category_id,
                                        service_id=_int(values["service"]))
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(request, _("Thank you: your suggestion is on the board."))
            return redirect(reverse("ideas:detail", args=[idea.pk]))
    return render(request, "ideas/new.html", {
        "categories": categories, "values": values, "error": error,
        "services": [(s.pk, service_label(s)) for s in choices],
    }, status=400 if error else 200)


@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """Ideas like the title (and description) being typed: the duplicates shown while a
    customer writes (htmx)."""
    text = f"{request.GET.get('title', '')} {request.GET.get('description', '')[:500]}"
    found = services.similar_ideas(actor=request.user, text=text) if text.strip() else []
    return render(request, "ideas/_similar.html", {"similar": found})


def _back(request: HttpRequest, idea_id: int) -> HttpResponse:
    return redirect(reverse("ideas:detail", args=[idea_id]))


def _run(request: HttpRequest, action: Callable[[], Any], success: str = "") -> None:
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if success:
            messages.success(request, success)


@require_POST
@customer_required
def vote(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea = _idea(request, idea_id)
    undo = request.POST.get("undo") == "1"
    user = acting_user(request)
    if undo:
        _run(request, lambda: services.idea_unvote(actor=user, idea=idea))
    else:
        _run(request, lambda: services.idea_vote(actor=user, idea=idea))
    nxt = request.POST.get("next", "")
    if nxt == "board":
        return redirect(reverse("ideas:board"))
    return _back(request, idea.pk)


@require_POST
def comment(request: HttpRequest, idea_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("ideas:detail", args=[idea_id]))
    idea = _idea(request, idea_id)
    user = acting_user(request)
    _run(request, lambda: services.comment_create(actor=user, idea=idea,
                                                  body=request.POST.get("body", "")))
    return _back(request, idea.pk)


# --- Staff ---------------------------------------------------------------------------------

@require_POST
@staff_required
def set_status(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea = _idea(request, idea_id)
    user = acting_user(request)
    _run(request, lambda: staff.idea_set_status(
        actor=user, idea=idea, status=request.POST.get("status", ""),
        response=request.POST.get("response", ""),
        response_tr=request.POST.get("response_tr", "")), _("Saved."))
    return _back(request, idea.pk)


@require_POST
@staff_required
def moderate(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea = _idea(request, idea_id)
    user = acting_user(request)
    action = request.POST.get("action", "")
    flags = {"hide": {"hidden": True}, "show": {"hidden": False}, "lock": {"locked": True},
             "unlock": {"locked": False}}
    if action in flags:
        _run(request, lambda: staff.idea_flags(actor=user, idea=idea, request=request,
                                               **flags[action]), _("Saved."))
    elif action in ("spam", "spam_all"):
        _run(request, lambda: staff.idea_mark_spam(
            actor=user, idea=idea, with_authors_others=action == "spam_all", request=request),
            _("Marked as spam and hidden."))
    elif action == "edit":
        _run(request, lambda: staff.idea_edit(
            actor=user, idea=idea, title=request.POST.get("title", ""),
            description=request.POST.get("description", ""), request=request), _("Saved."))
    elif action == "merge":
        target_id = _int(request.POST.get("target", "").strip().lstrip("#"))
        if target_id is None:
            messages.error(request, _("Give the number of the suggestion to merge into."))
            return _back(request, idea.pk)
        target = _idea(request, target_id)
        _run(request, lambda: staff.idea_merge(actor=user, source=idea, target=target,
                                               request=request), _("Merged."))
        return _back(request, target.pk)
    elif action == "link":
        _run(request, lambda: staff.idea_link_ticket(
            actor=user, idea=idea, reference=request.POST.get("reference", ""),
            request=request), _("Ticket linked."))
    elif action == "unlink":
        ticket_id = _int(request.POST.get("ticket"))
        if ticket_id is not None:
            staff.idea_unlink_ticket(actor=user, idea=idea, ticket_id=ticket_id,
                                     request=request)
    elif action == "hide_comment":
        comment_id = _int(request.POST.get("comment"))
        found = IdeaComment.objects.filter(idea=idea, pk=comment_id).first() \
            if comment_id is not None else None
        if found is not None:
            staff.idea_comment_hide(actor=user, comment=found, request=request)
    else:
        raise Http404("Not found.")
    return _back(request, idea.pk)
