"""Live suggestions while a customer writes a new ticket, and "this solved my problem"."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from destek.kb.search import suggest
from destek.kb.services.feedback import deflection_record
from destek.kb.views.common import article_or_404, request_actor

MAX_TEXT = 2000


@require_GET
def kb_suggest(request: HttpRequest) -> HttpResponse:
    subject = request.GET.get("subject", "")[:200]
    body = request.GET.get("body", "")[:MAX_TEXT]
    hits = suggest(actor=request_actor(request), text=f"{subject}\n{subject}\n{body}") \
        if (subject + body).strip() else []
    return render(request, "kb/_suggestions.html", {"hits": hits, "subject": subject})


@require_POST
def kb_deflect(request: HttpRequest) -> HttpResponse:
    article = article_or_404(request, article_id=request.POST.get("article", ""))
    deflection_record(article=article, user=request_actor(request),
                      subject=request.POST.get("subject", ""))
    template = "kb/_deflected.html" if request.headers.get("HX-Request") \
        else "kb/deflected.html"
    return render(request, template, {"article": article})
