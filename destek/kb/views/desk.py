"""The knowledge base for agents: search from a ticket, drafts from tickets, the editor with
review and revisions, and the report. Staff only (customers get 404, like the desk)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from destek.accounts.web import acting_user, staff_required
from destek.core.errors import ApplicationError
from destek.kb import access, selectors
from destek.kb.forms import ArticleForm, AttachmentForm, PublishForm
from destek.kb.models import Article, ArticleStatus, Revision
from destek.kb.search import search
from destek.kb.services import articles as article_services
from destek.kb.services.attachments import attachment_add
from destek.kb.services.from_ticket import article_create_from_ticket
from destek.tickets.web import ticket_or_404

PANEL_LIMIT = 8


def _editable(request: HttpRequest, article_id: int) -> Article:
    try:
        return access.access_article(actor=acting_user(request), article_id=article_id,
                                     include_unpublished=True)
    except ApplicationError:
        raise Http404("Article not found.") from None


@require_GET
@staff_required
def panel_search(request: HttpRequest) -> HttpResponse:
    """The ticket view's KB panel (loaded by htmx only when the agent searches)."""
    query = request.GET.get("q", "")
    result = search(actor=acting_user(request), query=query, limit=PANEL_LIMIT,
                    record_misses=False) if query.strip() else None
    return render(request, "kb/desk/_panel_results.html", {"result": result})


@require_POST
@staff_required
def draft_from_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_or_404(request, ticket_id)
    article = article_create_from_ticket(actor=acting_user(request), ticket=ticket)
    messages.success(request, _("A draft article was created from the ticket."))
    return redirect("kb:desk_edit", article_id=article.pk)


@require_GET
@staff_required
def article_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in ArticleStatus.values else ""
    flagged = request.GET.get("flagged") == "1"
    return render(request, "kb/desk/article_list.html", {
        "articles": selectors.editor_article_list(status=status or None, flagged=flagged),
        "status": status, "flagged": flagged, "statuses": ArticleStatus.choices,
    })


def _input(form: ArticleForm) -> article_services.ArticleInput:
    data = form.cleaned_data
    return article_services.ArticleInput(
        title=data["title"], body_markdown=data["body_markdown"], language=data["language"],
        category=data["category"], audience=data["audience"], summary=data["summary"],
        is_faq=data["is_faq"], slug=data["slug"])


@require_http_methods(["GET", "POST"])
@staff_required
def article_new(request: HttpRequest) -> HttpResponse:
    source = None
    if request.GET.get("translation_of"):
        source = _editable(request, int(request.GET["translation_of"]) if
                           request.GET["translation_of"].isdigit() else 0)
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                article = article_services.article_create(
                    actor=acting_user(request), data=_input(form), translation_of=source,
                    note=form.cleaned_data["note"])
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None,
                               error.message)
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("kb:desk_edit", article_id=article.pk)
    else:
        initial = {}
        if source is not None:
            initial = {"language": "tr" if source.language == "en" else "en",
                       "category": source.category, "audience": source.audience,
                       "is_faq": source.is_faq, "body_markdown": source.body_markdown}
        form = ArticleForm(initial=initial)
    return render(request, "kb/desk/article_edit.html", {"form": form, "source": source})


@require_http_methods(["GET", "POST"])
@staff_required
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _editable(request, article_id)
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                article_services.article_update(actor=acting_user(request), article=article,
                                                data=_input(form),
                                                note=form.cleaned_data["note"])
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None,
                               error.message)
            else:
                messages.success(request, _("The article was saved."))
                return redirect("kb:desk_edit", article_id=article.pk)
    else:
        form = ArticleForm(initial={
            "title": article.title, "slug": article.slug, "language": article.language,
            "category": article.category, "audience": article.audience,
            "summary": article.summary, "is_faq": article.is_faq,
            "body_markdown": article.body_markdown})
    return render(request, "kb/desk/article_edit.html", {
        "form": form, "article": article, "publish_form": PublishForm(),
        "attachment_form": AttachmentForm(),
        "attachments": article.attachments.order_by("pk"),
        "translations": Article.objects.filter(group=article.group).exclude(pk=article.pk)
        .only("pk", "language", "title"),
        "can_publish": access.can_publish(acting_user(request)),
    })


@require_POST
@staff_required
def article_action(request: HttpRequest, article_id: int, action: str) -> HttpResponse:
    article = _editable(request, article_id)
    actor = acting_user(request)
    try:
        if action == "submit":
            article_services.article_submit_for_review(actor=actor, article=article)
            messages.success(request, _("The article was submitted for review."))
        elif action == "publish":
            form = PublishForm(request.POST)
            if not form.is_valid():
                raise ApplicationError(_("Give a valid publishing time."))
            article_services.article_publish(actor=actor, article=article,
                                             publish_at=form.cleaned_data["publish_at"])
            messages.success(request, _("The article was published."))
        elif action == "unpublish":
            article_services.article_unpublish(actor=actor, article=article)
            messages.success(request, _("The article is a draft again."))
        elif action == "attach":
            upload = AttachmentForm(request.POST, request.FILES)
            if not upload.is_valid():
                raise ApplicationError(_("Choose a file."))
            attachment_add(actor=actor, article=article, upload=upload.cleaned_data["file"])
            messages.success(request, _("The file was attached."))
        else:
            raise Http404("Unknown action.")
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("kb:desk_edit", article_id=article.pk)


@require_GET
@staff_required
def revision_list(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _editable(request, article_id)
    revisions = list(article.revisions.select_related("author")[:100])
    selected = revisions[0] if revisions else None
    if request.GET.get("r", "").isdigit():
        selected = next((r for r in revisions if r.number == int(request.GET["r"])), selected)
    previous = None
    if selected is not None:
        previous = next((r for r in revisions if r.number < selected.number), None)
    diff = selectors.revision_diff(old=previous, new=selected) if selected else []
    return render(request, "kb/desk/revisions.html", {
        "article": article, "revisions": revisions, "selected": selected,
        "previous": previous, "diff": diff})


@require_POST
@staff_required
def revision_restore(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    article = _editable(request, article_id)
    revision = get_object_or_404(Revision, article=article, number=number)
    try:
        article_services.article_restore_revision(actor=acting_user(request), article=article,
                                                  revision=revision)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Revision %(number)s was restored.") % {"number": number})
    return redirect("kb:desk_revisions", article_id=article.pk)


@require_GET
@staff_required
def report(request: HttpRequest) -> HttpResponse:
    return render(request, "kb/desk/report.html", {"report": selectors.kb_report()})
