"""What runs the triggers: each domain event becomes a `Happening` for `engine.run`.

Wired in destek.wiring right after the SLA subscribers, so a trigger's priority change moves
the deadlines the SLA row just got. Rating and chat events come from apps above this one;
wiring hands them over as a `Happening` (`on_happening`)."""

from __future__ import annotations

from destek.automation import engine
from destek.automation.happenings import Happening
from destek.automation.models import TriggerEvent
from destek.sla.domain_events import SlaAlerted
from destek.tickets.domain_events import MessagePosted, TicketAssigned, TicketOpened, TicketUpdated
from destek.tickets.models import AuthorKind


def on_ticket_opened(event: TicketOpened) -> None:
    engine.run(Happening(event=TriggerEvent.TICKET_CREATED, ticket=event.ticket,
                         message=event.message, actor=event.actor))


def on_message_posted(event: MessagePosted) -> None:
    message = event.message
    if message.is_internal:
        return
    kind = (TriggerEvent.CUSTOMER_REPLIED if message.author_kind == AuthorKind.CUSTOMER
            else TriggerEvent.AGENT_REPLIED)
    engine.run(Happening(event=kind, ticket=event.ticket, message=message, actor=event.actor))


def on_ticket_updated(event: TicketUpdated) -> None:
    for field, kind in (("status", TriggerEvent.STATUS_CHANGED),
                        ("priority", TriggerEvent.PRIORITY_CHANGED)):
        if field in event.fields:
            engine.run(Happening(event=kind, ticket=event.ticket, actor=event.actor))


def on_ticket_assigned(event: TicketAssigned) -> None:
    engine.run(Happening(event=TriggerEvent.ASSIGNEE_CHANGED, ticket=event.ticket,
                         actor=event.actor))


def on_sla_alerted(event: SlaAlerted) -> None:
    kind = TriggerEvent.SLA_BREACH if event.kind == "breach" else TriggerEvent.SLA_WARNING
    engine.run(Happening(event=kind, ticket=event.ticket, facts={"metric": event.metric}))


def on_happening(happening: Happening) -> None:
    engine.run(happening)
