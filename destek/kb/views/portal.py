"""The help center: categories, articles, FAQ, search, votes and attachments. No login needed;
what each visitor sees is decided by destek.kb.access."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from destek.core.downloads import file_download
from destek.core.errors import ApplicationError, NotFound
from destek.kb import selectors
from destek.kb.access import access_attachment
from destek.kb.forms import SearchForm, VoteForm
from destek.kb.models import LANGUAGES, Category
from destek.kb.search import search
from destek.kb.services.feedback import article_vote
from destek.kb.services.views_counter import article_view_record
from destek.kb.views.common import article_or_404, request_actor, ui_language

SEARCH_LIMIT = 20


@require_GET
def kb_index(request: HttpRequest) -> HttpResponse:
    actor, language = request_actor(request), ui_language()
    return render(request, "kb/index.html", {
        "categories": selectors.category_list(),
        "popular": selectors.popular_articles(actor=actor, language=language),
        "faq": selectors.faq_list(actor=actor, language=language)[:5],
        "search_form": SearchForm(),
    })


@require_GET
def kb_category(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug)
    return render(request, "kb/category.html", {
        "category": category,
        "path": selectors.category_path(category),
        "children": Category.objects.filter(parent=category),
        "articles": selectors.category_articles(actor=request_actor(request),
                                                category=category),
    })


@require_GET
def kb_article(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    actor = request_actor(request)
    article = article_or_404(request, language=language, slug=slug,
                             include_unpublished=True)
    if article.is_live:
        article_view_record(article_id=article.pk)
    return render(request, "kb/article.html", {
        "article": article,
        "path": selectors.category_path(article.category) if article.category else [],
        "translations": selectors.translations_of(actor=actor, article=article),
        "from_new_ticket": request.GET.get("from") == "new-ticket",
        "subject": request.GET.get("subject", "")[:200],
        "voted": request.session.get(f"kb-voted-{article.pk}"),
    })


@require_GET
def kb_faq(request: HttpRequest) -> HttpResponse:
    return render(request, "kb/faq.html", {
        "articles": selectors.faq_list(actor=request_actor(request), language=ui_language()),
    })


@require_GET
def kb_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    result = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        category = data["category"]
        result = search(actor=request_actor(request), query=data["q"],
                        language=data["language"] or None,
                        category_id=category.pk if category else None, limit=SEARCH_LIMIT)
    if request.headers.get("HX-Request"):
        return render(request, "kb/_search_results.html", {"result": result})
    return render(request, "kb/search.html", {
        "form": form, "result": result, "languages": LANGUAGES,
        "categories": Category.objects.only("slug", "name"),
        "selected_category": request.GET.get("category", ""),
        "selected_language": request.GET.get("language", ""),
    })


@require_POST
def kb_vote(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    article = article_or_404(request, language=language, slug=slug)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return render(request, "kb/_vote.html", {"article": article, "error": True}, status=400)
    if not request.session.session_key:
        request.session.save()
    actor = request_actor(request)
    try:
        article_vote(article=article, user=actor, session_key=request.session.session_key or "",
                     helpful=form.cleaned_data["helpful"], comment=form.cleaned_data["comment"])
    except ApplicationError:
        return render(request, "kb/_vote.html", {"article": article, "error": True}, status=400)
    request.session[f"kb-voted-{article.pk}"] = "yes" if form.cleaned_data["helpful"] else "no"
    return render(request, "kb/_vote.html", {"article": article,
                                             "voted": request.session[f"kb-voted-{article.pk}"]})


@require_GET
def kb_attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    try:
        attachment = access_attachment(actor=request_actor(request),
                                       attachment_id=attachment_id)
    except NotFound:
        raise Http404("Attachment not found.") from None
    if attachment.is_image:  # shown inside articles; everything else stays a download
        return file_download(attachment.file, name=attachment.original_name,
                             content_type=attachment.content_type, inline=True,
                             cache_control="private, max-age=3600")
    return file_download(attachment.file, name=attachment.original_name,
                         content_type=attachment.content_type)
