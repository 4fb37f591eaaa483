"""Test helpers that open tickets through the real intake funnel (never Ticket.objects.create)."""

from __future__ import annotations

from destek.accounts.models import Department, User
from destek.tickets.intake import InboundMessage, IntakeResult, receive
from destek.tickets.models import Channel, Priority, Ticket


def open_ticket(*, customer: User, department: Department, subject: str = "Site is down",
                body: str = "My site returns 500.", priority: int = Priority.NORMAL,
                channel: Channel = Channel.PORTAL, **extra: object) -> Ticket:
    return open_ticket_result(customer=customer, department=department, subject=subject,
                              body=body, priority=priority, channel=channel, **extra).ticket


def open_ticket_result(*, customer: User, department: Department, subject: str, body: str,
                       priority: int, channel: Channel, **extra: object) -> IntakeResult:
    return receive(InboundMessage(channel=channel, author=customer, department_id=department.pk,
                                  subject=subject, body_text=body, priority=priority,
                                  **extra))  # type: ignore[arg-type]


def reply(*, ticket: Ticket, author: User, body: str = "Thanks!", internal: bool = False,
          channel: Channel = Channel.DESK, **extra: object) -> IntakeResult:
    return receive(InboundMessage(channel=channel, author=author, ticket_id=ticket.pk,
                                  body_text=body, is_internal=internal,
                                  **extra))  # type: ignore[arg-type]
