"""Live suggestions while a customer writes a new ticket, and "this solved my problem".

htmx asks for suggestions on every pause in typing, and mostly with the same words as the
last time (a space, a comma, a word being finished that is past the first twelve). The
rendered fragment is cached per query (the normalized words, destek.kb.search), audience,
filter language and page language, under the search state's version (destek.kb.freshness),
so a write to any article makes every cached fragment unreachable at once. The audience is
part of the key: what an agent's or a customer's request cached is never shown to anyone
else. The customer's own subject, carried in the links, is put in after the cache.
"""

from __future__ import annotations

import hashlib
import json

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import urlencode
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from destek.kb.access import audiences_for
from destek.kb.freshness import current_version
from destek.kb.search import suggest, suggestion_query
from destek.kb.services.feedback import deflection_record
from destek.kb.views.common import article_or_404, request_actor

MAX_TEXT = 2000
CACHE_SECONDS = 600  # for memory only: a change of version retires an entry at once
# Stands for the subject in a cached fragment: PostgreSQL text and Django's form fields never
# hold a NUL, so no title or slug can contain it.
SUBJECT_SLOT = "\x00"


def _cache_key(version: int, audiences: list[str], words: dict[str, list[str]]) -> str:
    query = json.dumps([sorted(audiences), get_language() or "", words], sort_keys=True,
                       ensure_ascii=False)
    digest = hashlib.blake2b(query.encode(), digest_size=16).hexdigest()
    return f"kb:suggest:{version}:{digest}"


@require_GET
def kb_suggest(request: HttpRequest) -> HttpResponse:
    subject = request.GET.get("subject", "")[:200]
    body = request.GET.get("body", "")[:MAX_TEXT]
    text = f"{subject}\n{subject}\n{body}"
    query = suggestion_query(text)
    if query.is_empty:
        return HttpResponse("")
    actor = request_actor(request)
    version = current_version()
    key = _cache_key(version, audiences_for(actor), query.words) if version is not None \
        else None
    fragment = cache.get(key) if key else None
    if fragment is None:
        fragment = render_to_string("kb/_suggestions.html", {
            "hits": suggest(actor=actor, text=text), "subject_param": SUBJECT_SLOT})
        if key:
            cache.set(key, fragment, CACHE_SECONDS)
    return HttpResponse(fragment.replace(SUBJECT_SLOT, urlencode(subject)))


@require_POST
def kb_deflect(request: HttpRequest) -> HttpResponse:
    article = article_or_404(request, article_id=request.POST.get("article", ""))
    deflection_record(article=article, user=request_actor(request),
                      subject=request.POST.get("subject", ""))
    template = "kb/_deflected.html" if request.headers.get("HX-Request") \
        else "kb/deflected.html"
    return render(request, template, {"article": article})
