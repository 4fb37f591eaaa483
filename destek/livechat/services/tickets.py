"""Chats and tickets, always through the intake funnel (destek.tickets.intake.receive).

- An offline message (nobody online) opens a ticket from the visitor.
- An agent turns a chat into a ticket with its whole transcript; later messages are added
  to the same ticket as an internal note (when the chat goes on or ends). Each step has an
  external id, so a retry never produces a second ticket or note.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from destek.accounts.models import User
from destek.core.errors import ApplicationError
from destek.livechat import events
from destek.livechat.access import access_conversation_by_id
from destek.livechat.models import Conversation
from destek.livechat.services.transcript import transcript_lines
from destek.tickets.intake import InboundMessage, IntakeResult, receive, resolve_customer
from destek.tickets.models import Channel, Ticket


def chat_offline_message(*, name: str, email: str, body: str, department_id: int | None,
                         language: str, message_id: str, customer: User | None = None,
                         subject: str = "", service_id: int | None = None) -> IntakeResult:
    """"Leave us a message": a ticket from the visitor, idempotent on the widget's id. A
    signed-in customer may name one of their services (anyone else's is ignored)."""
    if not message_id or len(message_id) > 64:
        raise ApplicationError(_("A message needs a client id."), field="client_id")
    author = customer if customer is not None and customer.is_authenticated \
        and customer.is_customer else None
    first_line = next((line for line in body.splitlines() if line.strip()), "")
    return receive(InboundMessage(
        channel=Channel.CHAT, author=author, sender_email=email, sender_name=name,
        subject=subject or first_line[:80] or _("Chat message"), body_text=body,
        department_id=department_id, language=language,
        external_id=f"chat-offline:{message_id}",
        service_id=service_id if author is not None else None,
        # Typed into the form in someone's name: nothing proves it is theirs unless signed in.
        sender_verified=author is not None,
    ))


def chat_convert_to_ticket(*, actor: User, conversation_id: int) -> Ticket:
    """Open a ticket for the chat's customer with the transcript so far (or append to it)."""
    with transaction.atomic():
        conversation = access_conversation_by_id(actor=actor, conversation_id=conversation_id,
                                                 for_update=True)
        if conversation.ticket_id:
            chat_ticket_append(conversation=conversation, actor=actor)
            assert conversation.ticket is not None
            return conversation.ticket
        customer = conversation.customer or resolve_customer(
            email=conversation.visitor_email, name=conversation.visitor_name,
            language=conversation.language)
        with override(customer.language):
            subject = conversation.topic or _("Chat with %(name)s") % {
                "name": conversation.display_name}
        body = "\n".join(transcript_lines(conversation=conversation, internal=True))
        result = receive(InboundMessage(
            channel=Channel.CHAT, author=actor, customer=customer, subject=subject,
            body_text=body or subject, department_id=conversation.department_id,
            external_id=f"chat:{conversation.public_id}:{conversation.last_seq}",
            # The service chosen in the pre-chat form, if still the customer's.
            service_id=conversation.service_id,
        ))
        conversation.ticket = result.ticket
        conversation.ticket_seq = conversation.last_seq
        conversation.save(update_fields=["ticket", "ticket_seq"])
        events.conversation_changed(conversation.pk, agent_ids=(conversation.agent_id,))
        return result.ticket


def chat_ticket_append(*, conversation: Conversation, actor: User | None) -> None:
    """Messages since the ticket was made go onto it as one internal note."""
    if not conversation.ticket_id or conversation.last_seq <= conversation.ticket_seq:
        return
    text = "\n".join(transcript_lines(conversation=conversation, internal=True,
                                      after=conversation.ticket_seq))
    if text:
        agent = actor if actor is not None and actor.is_agent else conversation.agent
        if agent is None:
            return  # nobody to write the note as; the next agent action appends it
        receive(InboundMessage(
            channel=Channel.CHAT, author=agent, ticket_id=conversation.ticket_id,
            body_text=text, is_internal=True,
            external_id=f"chat:{conversation.public_id}:{conversation.last_seq}",
        ))
    Conversation.objects.filter(pk=conversation.pk).update(ticket_seq=conversation.last_seq)
    conversation.ticket_seq = conversation.last_seq
