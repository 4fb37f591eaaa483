"""The customer panel beside a chat in the console (loaded by livechat/_side.html), for
chats of signed-in customers: the chat's access check decides who may see it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from destek.accounts.web import acting_user, staff_required
from destek.core.errors import NotFound
from destek.desk.customer_history import Exclude
from destek.desk.customer_panel import customer_panel
from destek.livechat.access import access_conversation_by_id


@staff_required
@require_GET
def chat_customer_panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    actor = acting_user(request)
    try:
        conversation = access_conversation_by_id(actor=actor, conversation_id=conversation_id)
    except NotFound:
        raise Http404("Chat not found.") from None
    customer = conversation.customer
    if customer is None:  # a visitor: only a signed-in customer is known for sure
        return HttpResponse("")
    panel = customer_panel(actor=actor, customer=customer, service_id=conversation.service_id,
                           exclude=Exclude(conversation_id=conversation.pk), beside="chat")
    return render(request, "desk/_customer_panel.html", {"panel": panel})
