"""The widget's HTTP endpoints: script, configuration, start, upload, offline message, files.

The visitor's key to everything after /start is the signed conversation token.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from destek.accounts.models import Department, User
from destek.branding.brand import current as current_brand
from destek.core.downloads import file_download
from destek.core.errors import ApplicationError
from destek.core.text import all_text_storable
from destek.feedback.models import RatingSource
from destek.feedback.ratings import rating_record
from destek.feedback.selectors import feedback_settings, rating_choices_for
from destek.hosting.labels import service_label
from destek.hosting.selectors import services_to_choose
from destek.kb.search import suggest
from destek.livechat import chat_settings
from destek.livechat.access import access_conversation_by_token
from destek.livechat.models import ChatAttachment, ConversationState, Side
from destek.livechat.services.conversations import chat_start
from destek.livechat.services.messages import chat_attachment_create
from destek.livechat.services.routing import department_is_staffed
from destek.livechat.services.tickets import chat_offline_message
from destek.livechat.tokens import visitor_token
from destek.livechat.views.cors import chat_cors, same_origin
from destek.livechat.widget_strings import widget_strings
from destek.status.links import banners_for, incident_banner_strings
from destek.tickets.uploads import files_from_request

WIDGET = Path(__file__).resolve().parent.parent / "static" / "livechat" / "widget.js"
MAX_JSON = 16 * 1024


@cache
def _widget_source() -> bytes:
    return WIDGET.read_bytes()


def _language(request: HttpRequest, data: dict[str, Any] | None = None) -> str:
    """The widget's language: asked for, else the browser's, else English."""
    for wanted in (str((data or {}).get("language") or ""), request.GET.get("lang", ""),
                   translation.get_language_from_request(request)):
        if wanted[:2] in ("en", "tr"):
            return wanted[:2]
    return "en"


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_JSON:
        raise ApplicationError(_("The request is too large."))
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise ApplicationError(_("The request is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApplicationError(_("The request is not valid JSON."))
    if not all_text_storable(data):
        raise ApplicationError(_("The text contains characters that cannot be stored."))
    return data


def _portal_customer(request: HttpRequest) -> User | None:
    """A signed-in portal customer on Destek's own pages; never across origins."""
    user = request.user
    if same_origin(request) and user.is_authenticated and getattr(user, "is_customer", False):
        return user
    return None


def _error(error: ApplicationError) -> JsonResponse:
    return JsonResponse({"error": error.message, "field": error.field},
                        status=error.status_code)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _service_id(data: dict[str, Any]) -> int | None:
    """The service the pre-chat form names: empty for none; anything not an id is refused."""
    value = data.get("service")
    if value in (None, ""):
        return None
    service_id = _int_or_none(value)
    if service_id is None:
        raise ApplicationError(_("Choose one of your services."), field="service")
    return service_id


def _services(customer: User | None) -> list[dict[str, Any]]:
    """What a signed-in customer may say the chat is about (in the widget's language)."""
    if customer is None:
        return []
    return [{"id": s.pk, "label": service_label(s)}
            for s in services_to_choose(customer=customer)]


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_widget_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"  # a script: nothing private in it
    return response


@chat_cors
@require_http_methods(["GET", "OPTIONS"])
def config(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    chat = chat_settings.current()  # Settings → Live chat (a cache read)
    brand = current_brand()  # Settings → Branding (a cache read)
    closed = chat.is_closed()
    departments = [
        {"id": d.pk, "name": d.localized_name(language),
         "online": not closed and department_is_staffed(department_id=d.pk)}
        for d in Department.objects.filter(is_public=True).order_by("pk")
    ]
    customer = _portal_customer(request)
    with translation.override(language):
        strings = widget_strings()
        services = _services(customer)
        # Open incidents that concern a signed-in customer (an anonymous visitor: none;
        # nothing open: a cache read). destek.status.links.
        strings.update(incident_banner_strings())
        incidents = [b.as_json() for b in banners_for(customer, language=language)]
        rating_choices = [{"score": c.score, "label": c.label}
                          for c in rating_choices_for(feedback_settings().scale)]
    return JsonResponse({
        "language": language, "strings": strings,
        "color": brand.color or settings.DESTEK_CHAT_COLOR, "brand": brand.name,
        "greeting": chat.greeting(language),
        "departments": departments, "online": any(d["online"] for d in departments),
        "offline_reason": "hours" if closed else "nobody",
        "customer": {"name": customer.display_name, "email": customer.email}
        if customer else None,
        # A signed-in customer's services for the pre-chat form; their only one by default.
        "services": services,
        "service": services[0]["id"] if len(services) == 1 else None,
        "max_upload_bytes": settings.DESTEK_ATTACHMENT_MAX_BYTES,
        "max_message_chars": settings.DESTEK_CHAT_MAX_MESSAGE_CHARS,
        "ws_path": "/ws/chat/visitor/",
        # Knowledge-base articles while the visitor describes the problem (pre-chat form).
        "suggestions_url": kb_suggestions_url(),
        "incidents": incidents,
        # "How did we do?" once the chat has ended (Settings → Feedback: the scale).
        "rating_choices": rating_choices,
    })


def kb_suggestions_url() -> str | None:
    """Where the widget asks for articles: GET ?q=…&lang=… → {"results": [{title, url}]}."""
    return reverse("livechat:suggestions")


MAX_SUGGESTION_QUERY = 500
MAX_SUGGESTIONS = 3


@chat_cors
@require_http_methods(["GET", "OPTIONS"])
def suggestions(request: HttpRequest) -> HttpResponse:
    """Knowledge-base articles for what the visitor is typing, through destek.kb's own
    selector and visibility rules: a visitor from another website is anonymous (public
    articles only); a signed-in customer on Destek's own pages also gets customers' ones."""
    text = request.GET.get("q", "")[:MAX_SUGGESTION_QUERY]
    if len(text.strip()) < 3:
        return JsonResponse({"results": []})
    hits = suggest(actor=_portal_customer(request), text=text, language=_language(request),
                   limit=MAX_SUGGESTIONS)
    return JsonResponse({"results": [
        {"title": hit.article.title,
         "url": request.build_absolute_uri(
             reverse("kb:article", args=[hit.article.language, hit.article.slug]))}
        for hit in hits]})


@chat_cors
@require_http_methods(["POST", "OPTIONS"])
def start(request: HttpRequest) -> HttpResponse:
    try:
        data = _json_body(request)
        language = _language(request, data)
        if chat_settings.outside_chat_hours():
            raise ApplicationError(_("We are outside our office hours. Please leave us a "
                                     "message instead."), field="department")
        conversation = chat_start(
            customer=_portal_customer(request), name=str(data.get("name") or ""),
            email=str(data.get("email") or ""), topic=str(data.get("topic") or ""),
            department_id=_int_or_none(data.get("department")), language=language,
            origin=request.headers.get("Origin", ""), page_url=str(data.get("page_url") or ""),
            service_id=_service_id(data),
        )
    except ApplicationError as error:
        return _error(error)
    return JsonResponse({"token": visitor_token(conversation.public_id),
                         "conversation": str(conversation.public_id),
                         "state": conversation.state}, status=201)


@chat_cors
@require_http_methods(["POST", "OPTIONS"])
def upload(request: HttpRequest) -> HttpResponse:
    try:
        conversation = access_conversation_by_token(token=request.POST.get("token", ""))
        files = files_from_request(request.FILES.getlist("file"))
        if len(files) != 1:
            raise ApplicationError(_("Choose one file."), field="file")
        attachment = chat_attachment_create(conversation=conversation, side=Side.VISITOR,
                                            file=files[0])
    except ApplicationError as error:
        return _error(error)
    return JsonResponse({"id": attachment.pk, "name": attachment.original_name,
                         "size": attachment.size}, status=201)


@chat_cors
@require_http_methods(["GET", "OPTIONS"])
def visitor_file(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    try:
        conversation = access_conversation_by_token(token=request.GET.get("token", ""))
    except ApplicationError as error:
        return _error(error)
    attachment = ChatAttachment.objects.filter(pk=attachment_id,
                                               conversation=conversation).first()
    if attachment is None:
        return JsonResponse({"error": _("File not found.")}, status=404)
    # The declared type is the visitor's word: served as an opaque download.
    return file_download(attachment.file, name=attachment.original_name)


@chat_cors
@require_http_methods(["POST", "OPTIONS"])
def offline(request: HttpRequest) -> HttpResponse:
    try:
        data = _json_body(request)
        result = chat_offline_message(
            name=str(data.get("name") or ""), email=str(data.get("email") or ""),
            body=str(data.get("body") or ""),
            department_id=_int_or_none(data.get("department")),
            language=_language(request, data), message_id=str(data.get("client_id") or ""),
            customer=_portal_customer(request), service_id=_service_id(data),
        )
    except ApplicationError as error:
        return _error(error)
    return JsonResponse({"reference": result.ticket.reference,
                         "duplicate": result.duplicate}, status=201)



@chat_cors
@require_http_methods(["POST", "OPTIONS"])
def rate(request: HttpRequest) -> HttpResponse:
    """The visitor's answer to "How did we do?" once the chat has ended: the conversation
    token proves who they are (signed in or not). The same answer twice is one rating; a
    different one changes it while Settings → Feedback allows."""
    try:
        data = _json_body(request)
        conversation = access_conversation_by_token(token=str(data.get("token") or ""))
        if conversation.state != ConversationState.ENDED:
            raise ApplicationError(_("A chat can be rated once it has ended."))
        with translation.override(conversation.language):
            rating = rating_record(
                conversation=conversation, customer=conversation.customer,
                score=data.get("score"), scale=feedback_settings().scale,
                source=RatingSource.CHAT, comment=str(data.get("comment") or ""),
                is_complaint=data.get("complaint") is True)
    except ApplicationError as error:
        return _error(error)
    return JsonResponse({"score": rating.score}, status=201)
