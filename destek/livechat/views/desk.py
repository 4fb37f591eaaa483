"""The chat console, the supervisor's view and past chats, for signed-in staff.

Pages render once; the console's JavaScript keeps them live over ws/chat/agent/ and calls
the small POST endpoints below, each a thin door onto a service.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from destek.accounts.models import STAFF_ROLES, Department, User
from destek.accounts.web import acting_user, staff_required
from destek.core.downloads import file_download
from destek.core.errors import ApplicationError
from destek.livechat.access import access_conversation_by_id, may_supervise
from destek.livechat.models import ChatAgent, ChatAttachment, ChatStatus, Side
from destek.livechat.selectors import (
    active_conversations,
    conversation_search,
    customer_for,
    wait_seconds,
    waiting_conversations,
)
from destek.livechat.services.conversations import chat_end, chat_pick, chat_transfer
from destek.livechat.services.messages import chat_attachment_create
from destek.livechat.services.routing import chat_status_set
from destek.livechat.services.tickets import chat_convert_to_ticket
from destek.livechat.services.transcript import chat_transcript_send, transcript_lines
from destek.tickets.access import (
    access_canned_response_by_id,
    canned_responses_visible_to,
    tickets_visible_to,
)
from destek.tickets.services.canned import render_text
from destek.tickets.uploads import files_from_request


def _fail(error: ApplicationError) -> JsonResponse:
    return JsonResponse({"error": error.message}, status=error.status_code)


@staff_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    agent = acting_user(request)
    profile = ChatAgent.objects.filter(agent=agent).first()
    return render(request, "livechat/console.html", {
        "status": profile.status if profile else ChatStatus.OFFLINE,
        "statuses": ChatStatus.choices,
        "max_chats": profile.max_chats if profile else 3,
        "departments": Department.objects.order_by("name"),
        "agents": User.objects.filter(role__in=STAFF_ROLES,
                                      is_active=True).order_by("full_name", "email"),
        # A macro without text (destek.tickets.macros) has nothing to insert in a chat.
        "canned": canned_responses_visible_to(agent).filter(
            Q(language="") | Q(language=request.LANGUAGE_CODE)).exclude(body="")
        .order_by("title")[:200],
        "is_supervisor": may_supervise(agent),
    })


@staff_required
@require_GET
def waiting(request: HttpRequest) -> HttpResponse:
    rows = [(c, wait_seconds(c)) for c in waiting_conversations(actor=acting_user(request))[:100]]
    return render(request, "livechat/_waiting.html", {"rows": rows})


@staff_required
@require_GET
def side_panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The customer's details and ticket history beside a chat."""
    agent = acting_user(request)
    try:
        conversation = access_conversation_by_id(actor=agent, conversation_id=conversation_id)
    except ApplicationError:
        raise Http404 from None
    customer = customer_for(conversation)
    tickets = (tickets_visible_to(agent).filter(customer=customer).order_by("-created_at")[:10]
               if customer else [])
    return render(request, "livechat/_side.html", {
        "conversation": conversation, "customer": customer, "tickets": tickets})


@staff_required
@require_POST
def status(request: HttpRequest) -> HttpResponse:
    try:
        max_chats = int(request.POST.get("max_chats") or 0) or None
    except ValueError:
        max_chats = None
    profile = chat_status_set(agent=acting_user(request), status=request.POST.get("status", ""),
                              max_chats=max_chats)
    return JsonResponse({"status": profile.status, "max_chats": profile.max_chats})


ACTIONS = frozenset({"pick", "end", "ticket", "transcript", "transfer"})


def _action(request: HttpRequest, conversation_id: int, what: str) -> dict[str, Any]:
    agent = acting_user(request)
    if what == "pick":
        chat_pick(agent=agent, conversation_id=conversation_id)
    elif what == "end":
        conversation = access_conversation_by_id(actor=agent, conversation_id=conversation_id)
        chat_end(conversation_id=conversation.pk, side=Side.AGENT, actor=agent)
    elif what == "ticket":
        ticket = chat_convert_to_ticket(actor=agent, conversation_id=conversation_id)
        return {"ticket": ticket.pk, "reference": ticket.reference}
    elif what == "transcript":
        conversation = access_conversation_by_id(actor=agent, conversation_id=conversation_id)
        chat_transcript_send(conversation=conversation, reason="agent")
    elif what == "transfer":
        agent_id = int(request.POST.get("agent") or 0)
        to_agent = User.objects.filter(pk=agent_id).first() if agent_id else None
        department = request.POST.get("department") or None
        chat_transfer(actor=agent, conversation_id=conversation_id, to_agent=to_agent,
                      to_department_id=int(department) if department else None)
    return {"ok": True}


@staff_required
@require_POST
def action(request: HttpRequest, conversation_id: int, what: str) -> HttpResponse:
    if what not in ACTIONS:
        raise Http404
    try:
        return JsonResponse(_action(request, conversation_id, what))
    except ValueError:
        return JsonResponse({"error": _("Choose an agent or a department.")}, status=400)
    except ApplicationError as error:
        return _fail(error)


@staff_required
@require_POST
def upload(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        conversation = access_conversation_by_id(actor=acting_user(request),
                                                 conversation_id=conversation_id)
        files = files_from_request(request.FILES.getlist("file"))
        if len(files) != 1:
            raise ApplicationError(_("Choose one file."), field="file")
        attachment = chat_attachment_create(conversation=conversation, side=Side.AGENT,
                                            file=files[0])
    except ApplicationError as error:
        return _fail(error)
    return JsonResponse({"id": attachment.pk, "name": attachment.original_name}, status=201)


@staff_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    found = ChatAttachment.objects.filter(pk=attachment_id).select_related("conversation").first()
    if found is None:
        raise Http404
    try:
        access_conversation_by_id(actor=acting_user(request), conversation_id=found.conversation_id)
    except ApplicationError:
        raise Http404 from None
    # The declared type is the visitor's word: served as an opaque download.
    return file_download(found.file, name=found.original_name)


@staff_required
@require_GET
def canned(request: HttpRequest, conversation_id: int, canned_id: int) -> HttpResponse:
    """A canned response filled in for this chat (the ticket placeholders that apply)."""
    agent = acting_user(request)
    try:
        conversation = access_conversation_by_id(actor=agent, conversation_id=conversation_id)
    except ApplicationError:
        raise Http404 from None
    try:
        found = access_canned_response_by_id(actor=agent, canned_id=canned_id)
    except ApplicationError:
        raise Http404 from None
    values = {"customer_name": conversation.display_name, "customer_email": conversation.email,
              "agent_name": agent.display_name,
              "department": conversation.department.localized_name(conversation.language)}
    return JsonResponse({"body": render_text(found.body, values)})


@staff_required
@require_GET
def supervisor(request: HttpRequest) -> HttpResponse:
    if not may_supervise(acting_user(request)):
        raise Http404
    return render(request, "livechat/supervisor.html", _supervision(request))


@staff_required
@require_GET
def supervisor_rows(request: HttpRequest) -> HttpResponse:
    if not may_supervise(acting_user(request)):
        raise Http404
    return render(request, "livechat/_supervision.html", _supervision(request))


def _supervision(request: HttpRequest) -> dict[str, Any]:
    actor = acting_user(request)
    waiting_rows = [(c, wait_seconds(c)) for c in waiting_conversations(actor=actor)[:200]]
    return {
        "waiting": waiting_rows,
        "longest_wait": max((w for _c, w in waiting_rows), default=0),
        "active": active_conversations(actor=actor)[:200],
        "agents": ChatAgent.objects.select_related("agent").exclude(status=ChatStatus.OFFLINE)
        .order_by("agent__full_name")[:200],
    }


@staff_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    return render(request, "livechat/history.html", {
        "query": query, "rows": conversation_search(actor=acting_user(request), query=query)})


@staff_required
@require_GET
def transcript(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        conversation = access_conversation_by_id(actor=acting_user(request),
                                                 conversation_id=conversation_id)
    except ApplicationError:
        raise Http404 from None
    return render(request, "livechat/transcript.html", {
        "conversation": conversation,
        "lines": transcript_lines(conversation=conversation, internal=True)})
