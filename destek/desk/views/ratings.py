"""My ratings: the satisfaction ratings an agent received, newest first, with the average
(keyset-paginated; destek.feedback.selectors.agent_ratings_page). An administrator may look
at a colleague's with ?agent=<id>."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from destek.accounts.models import STAFF_ROLES, User
from destek.accounts.web import acting_user, staff_required
from destek.feedback.selectors import agent_ratings_page


@staff_required
@require_GET
def my_ratings(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    agent: User = actor
    wanted = request.GET.get("agent", "")
    if actor.is_admin and wanted.isdigit() and int(wanted) != actor.pk:
        agent = User.objects.filter(pk=int(wanted), role__in=STAFF_ROLES).first() or actor
    page = agent_ratings_page(agent_id=agent.pk, cursor=request.GET.get("cursor"))
    query = {"cursor": page.next_cursor}
    if agent.pk != actor.pk:
        query["agent"] = str(agent.pk)
    return render(request, "desk/my_ratings.html", {
        "agent": agent, "page": page, "is_self": agent.pk == actor.pk,
        "next_query": urlencode(query) if page.next_cursor else ""})
