"""Privacy fixtures: an administrator, and a customer with something of everything."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Department, Organization, Role, User
from destek.livechat.models import Conversation, Side
from destek.livechat.services.conversations import chat_start
from destek.livechat.services.messages import chat_attachment_create, chat_message_post
from destek.tickets.factories import open_ticket_result, reply
from destek.tickets.models import Channel, Priority, Ticket
from destek.tickets.uploads import InboundFile


@pytest.fixture
def admin(db: None) -> User:
    return AgentFactory(full_name="Ayla Admin", role=Role.ADMIN)


@dataclass(frozen=True)
class CustomerData:
    ticket: Ticket
    chat: Conversation
    customer_file: bytes
    agent_file: bytes
    chat_file: bytes


def add_ticket(customer: User, department: Department, agent: User, n: int) -> Ticket:
    """A ticket with a file from each side, a public reply and an internal note."""
    result = open_ticket_result(
        customer=customer, department=department, subject=f"Site down {n}",
        body=f"My site {n} returns 500.", priority=Priority.HIGH, channel=Channel.PORTAL,
        attachments=(InboundFile(name="error log.txt", content=f"log {n}\n".encode() * 50),),
    )
    reply(ticket=result.ticket, author=agent, body=f"Restarted PHP-FPM for {n}.",
          attachments=(InboundFile(name="fix.txt", content=f"fix {n}".encode()),))
    reply(ticket=result.ticket, author=agent, body=f"SECRET NOTE {n}: customer is rude",
          internal=True,
          attachments=(InboundFile(name="internal.txt", content=b"internal only"),))
    return result.ticket


@pytest.fixture
def customer_data(customer: User, other_customer: User, department: Department,
                  agent: User) -> CustomerData:
    customer.organization = Organization.objects.create(name="Deniz Hosting Ltd")
    customer.phone = "+90 555 123 45 67"
    customer.language = "tr"
    customer.save()
    EmailAddress.objects.create(user=customer, email=customer.email, verified=True,
                                primary=True)
    ticket = add_ticket(customer, department, agent, 1)
    open_ticket_result(customer=other_customer, department=department,
                       subject="Other customer's secret", body="Not yours.",
                       priority=Priority.NORMAL, channel=Channel.PORTAL)
    chat = chat_start(customer=customer, name="", email="", topic="DNS help",
                      department_id=department.pk, language="tr")
    chat_message_post(conversation_id=chat.pk, side=Side.VISITOR, body="Merhaba, DNS?")
    chat_file = b"%PDF-1.4 chat file"
    upload = chat_attachment_create(conversation=chat, side=Side.VISITOR,
                                    file=InboundFile(name="zone.pdf", content=chat_file,
                                                     content_type="application/pdf"))
    chat_message_post(conversation_id=chat.pk, side=Side.VISITOR, body="",
                      attachment_id=upload.pk)
    chat_message_post(conversation_id=chat.pk, side=Side.AGENT, body="Checking.",
                      author=agent)
    chat_message_post(conversation_id=chat.pk, side=Side.AGENT, body="CHAT NOTE: vip",
                      author=agent, is_internal=True)
    chat_start(customer=other_customer, name="", email="", topic="Other chat",
               department_id=department.pk, language="en")
    return CustomerData(ticket=ticket, chat=chat, customer_file=b"log 1\n" * 50,
                        agent_file=b"fix 1", chat_file=chat_file)
