"""Settings' front page: the sections this person may open."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from destek.accounts.web import acting_user, staff_required
from destek.configuration.sections import sections_for


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    sections = sections_for(user)
    if not sections:
        raise Http404("Not found.")
    return render(request, "configuration/index.html", {"sections": sections})
