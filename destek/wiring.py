"""The composition root: which subscriber hears which domain event. Nothing else subscribes."""

from __future__ import annotations


def connect() -> None:
    from destek.core.bus import subscribe
    from destek.notifications import subscribers as mail
    from destek.realtime import subscribers as live
    from destek.sla import subscribers as sla
    from destek.tickets import domain_events as ev

    # First: the deadlines are part of the change itself (same transaction).
    subscribe(ev.TicketOpened, sla.on_ticket_opened)
    subscribe(ev.MessagePosted, sla.on_message_posted)
    subscribe(ev.TicketUpdated, sla.on_ticket_updated)

    subscribe(ev.TicketOpened, mail.on_ticket_opened)
    subscribe(ev.MessagePosted, mail.on_message_posted)
    subscribe(ev.TicketAssigned, mail.on_ticket_assigned)

    subscribe(ev.TicketOpened, live.on_ticket_changed)
    subscribe(ev.MessagePosted, live.on_ticket_changed)
    subscribe(ev.TicketAssigned, live.on_ticket_changed)
    subscribe(ev.TicketUpdated, live.on_ticket_changed)
