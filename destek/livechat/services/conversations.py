"""A chat's life: started by a visitor, routed or picked, transferred, ended."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from destek.accounts.emails import normalized_email
from destek.accounts.models import Department, User
from destek.core import bus
from destek.core.errors import ApplicationError
from destek.hosting.models import Service
from destek.hosting.selectors import service_of
from destek.livechat import domain_events, events
from destek.livechat.access import access_conversation_by_id
from destek.livechat.models import Conversation, ConversationState, Side
from destek.livechat.services.messages import chat_system_message
from destek.livechat.services.routing import chat_assign, chat_route, route_waiting
from destek.livechat.services.tickets import chat_ticket_append
from destek.livechat.services.transcript import chat_transcript_send

MAX_NAME = 200


def _department(department_id: int | None) -> Department:
    departments = Department.objects.filter(is_public=True)
    if department_id is not None:
        department = departments.filter(pk=department_id).first()
        if department is None:
            raise ApplicationError(_("Choose a valid department."), field="department")
        return department
    department = departments.order_by("pk").first()
    if department is None:
        raise ApplicationError(_("No department is configured yet."), field="department")
    return department


def chat_start(*, customer: User | None, name: str, email: str, topic: str,
               department_id: int | None, language: str, origin: str = "",
               page_url: str = "", service_id: int | None = None) -> Conversation:
    """A visitor opens a chat; a signed-in portal customer needs no pre-chat form, and may
    say which of their services it is about (`service_id`; a visitor has none to name)."""
    name, email = " ".join(name.split())[:MAX_NAME], normalized_email(email)[:254]
    service: Service | None = None
    if customer is not None and customer.is_authenticated and customer.is_customer:
        name, email = name or customer.display_name, customer.email
        if service_id is not None:
            service = service_of(customer=customer, service_id=service_id)
            if service is None:
                raise ApplicationError(_("Choose one of your services."), field="service")
    else:
        customer = None
        if not email or "@" not in email:
            raise ApplicationError(_("A valid email address is required."), field="email")
    department = _department(department_id)
    conversation = Conversation.objects.create(
        customer=customer, visitor_name=name, visitor_email=email, topic=topic.strip()[:200],
        language=language if language in ("en", "tr") else "en", origin=origin[:200],
        page_url=page_url[:500], department=department, service=service,
    )
    events.conversation_changed(conversation.pk)
    return chat_route(conversation_id=conversation.pk, announce_waiting=True)


def chat_pick(*, agent: User, conversation_id: int) -> Conversation:
    """An agent takes a chat from the waiting list (their limit applies to routing only)."""
    with transaction.atomic():
        conversation = access_conversation_by_id(actor=agent, conversation_id=conversation_id,
                                                 for_update=True)
        if conversation.state != ConversationState.WAITING:
            raise ApplicationError(_("Someone else has taken this chat."), field="conversation")
        return chat_assign(conversation=conversation, agent=agent)


def chat_transfer(*, actor: User, conversation_id: int, to_agent: User | None = None,
                  to_department_id: int | None = None) -> Conversation:
    """To a colleague directly, or back to a department's waiting list (and routing)."""
    with transaction.atomic():
        conversation = access_conversation_by_id(actor=actor, conversation_id=conversation_id,
                                                 for_update=True)
        if conversation.state == ConversationState.ENDED:
            raise ApplicationError(_("This chat has ended."), field="conversation")
        if to_agent is not None:
            if not to_agent.is_agent or not to_agent.is_active:
                raise ApplicationError(_("Choose an agent."), field="agent")
            access_conversation_by_id(actor=to_agent, conversation_id=conversation.pk)
            with override(conversation.language):
                note = _("The chat was transferred to %(name)s.") % {
                    "name": to_agent.full_name or _("An agent")}
            return chat_assign(conversation=conversation, agent=to_agent, note=note)
        if to_department_id is None:
            raise ApplicationError(_("Choose an agent or a department."), field="department")
        department = Department.objects.filter(pk=to_department_id).first()
        if department is None:
            raise ApplicationError(_("Choose a valid department."), field="department")
        previous = conversation.agent_id
        conversation.department = department
        conversation.agent = None
        conversation.state = ConversationState.WAITING
        conversation.save(update_fields=["department", "agent", "state"])
        with override(conversation.language):
            chat_system_message(conversation=conversation,
                                body=_("The chat was transferred to %(department)s.")
                                % {"department": department.localized_name(
                                    conversation.language)})
        events.conversation_changed(conversation.pk, agent_ids=(previous,))
    exclude = frozenset({actor.pk})
    return chat_route(conversation_id=conversation.pk, exclude_agent_ids=exclude,
                      announce_waiting=True)


def chat_end(*, conversation_id: int, side: str, actor: User | None = None) -> Conversation:
    """Either side ends the chat; the transcript goes out and the agent's slot frees up."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        if conversation.state == ConversationState.ENDED:
            return conversation
        conversation.state = ConversationState.ENDED
        conversation.ended_at = timezone.now()
        conversation.save(update_fields=["state", "ended_at"])
        with override(conversation.language):
            who = _("The visitor") if side == Side.VISITOR else (
                (actor.full_name if actor else "") or _("The agent"))
            chat_system_message(conversation=conversation,
                                body=_("%(name)s ended the chat.") % {"name": who})
        conversation.refresh_from_db()
        if conversation.ticket_id:
            chat_ticket_append(conversation=conversation, actor=actor)
        if settings.DESTEK_CHAT_TRANSCRIPT_ON_END and conversation.email:
            chat_transcript_send(conversation=conversation, reason="end")
        events.conversation_changed(conversation.pk, agent_ids=(conversation.agent_id,))
        bus.publish(domain_events.ChatEnded(conversation=conversation, side=side))
    route_waiting(department_id=conversation.department_id)
    return conversation
