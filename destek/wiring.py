"""The composition root: which subscriber hears which domain event (nothing else subscribes),
and the lookups a lower layer borrows from a higher one (notifications asks the email
channel for a department's mailbox, for the addresses that bounce and for the OAuth2
mailboxes whose mail leaves through their provider).

Imports are local: this runs from CoreConfig.ready(), once the apps' models are loaded."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from destek.feedback.domain_events import RatingRecorded
    from destek.livechat.domain_events import ChatEnded


def connect() -> None:
    from destek.accounts import domain_events as people
    from destek.core.bus import subscribe
    from destek.desk import choices as desk_options
    from destek.feedback import asking as csat
    from destek.hosting import domain_events as hosting
    from destek.mail.oauth_smtp import oauth_transport_for
    from destek.mail.outbound import sending_mailbox
    from destek.mail.policies import bouncing_addresses
    from destek.notifications import closing as mail_closing
    from destek.notifications import directory
    from destek.notifications import followers as mail_followers
    from destek.notifications import subscribers as mail
    from destek.realtime import subscribers as live
    from destek.sla import subscribers as sla
    from destek.tickets import domain_events as ev
    from destek.tickets.services import followers

    directory.connect(mailbox_for_department=sending_mailbox,
                      bouncing_addresses=bouncing_addresses,
                      transport_for_sender=oauth_transport_for)

    # First: the deadlines are part of the change itself (same transaction).
    subscribe(ev.TicketOpened, sla.on_ticket_opened)
    subscribe(ev.MessagePosted, sla.on_message_posted)
    subscribe(ev.TicketUpdated, sla.on_ticket_updated)
    # A customer's tier moved: their open tickets' deadlines follow (tier conditions).
    subscribe(hosting.CustomerTiersChanged, sla.on_customer_tiers_changed)

    # Triggers (destek.automation), after the deadlines: a trigger raising the priority moves
    # the deadlines the SLA row just got, in the same transaction.
    from destek.automation import subscribers as rules
    from destek.sla import domain_events as sla_events
    subscribe(ev.TicketOpened, rules.on_ticket_opened)
    subscribe(ev.MessagePosted, rules.on_message_posted)
    subscribe(ev.TicketUpdated, rules.on_ticket_updated)
    subscribe(ev.TicketAssigned, rules.on_ticket_assigned)
    subscribe(sla_events.SlaAlerted, rules.on_sla_alerted)

    subscribe(ev.TicketOpened, mail.on_ticket_opened)
    subscribe(ev.MessagePosted, mail.on_message_posted)
    subscribe(ev.TicketAssigned, mail.on_ticket_assigned)
    # Resolved or closed without an emailed reply: the customer is told, with a reopen link.
    subscribe(ev.TicketUpdated, mail_closing.on_ticket_updated)
    subscribe(ev.MessagePosted, mail_closing.on_message_posted)
    # Resolved, with or without a reply: "How did we do?" once per ticket (feedback/asking).
    subscribe(ev.TicketUpdated, csat.on_ticket_updated)
    subscribe(ev.MessagePosted, csat.on_message_posted)

    # Followers and @mentions: who is told is decided once (AgentsAlerted), then told.
    subscribe(ev.MessagePosted, followers.on_message_posted)
    subscribe(ev.TicketUpdated, followers.on_ticket_updated)
    subscribe(ev.AgentsAlerted, mail_followers.on_agents_alerted)
    subscribe(ev.AgentsAlerted, live.on_agents_alerted)

    subscribe(ev.TicketOpened, live.on_ticket_changed)
    subscribe(ev.MessagePosted, live.on_ticket_changed)
    subscribe(ev.TicketAssigned, live.on_ticket_changed)
    subscribe(ev.TicketAssigned, live.on_ticket_assigned)  # "assigned to you" on their desks
    subscribe(ev.TicketUpdated, live.on_ticket_changed)

    # Settings changed a department, its members, a role or a canned response: the desk's
    # per-process option lists reload.
    subscribe(people.StaffChanged, desk_options.on_options_changed)
    subscribe(ev.CannedResponsesChanged, desk_options.on_options_changed)

    # Incidents and tickets: a new ticket of a customer an open incident concerns is linked
    # to it (destek.status.links; nothing open: one cache read).
    from destek.status import links as incident_links
    subscribe(ev.TicketOpened, incident_links.on_ticket_opened)

    # Feedback: a recovery ticket resolved → the recovery is closed, the customer asked again.
    from destek.feedback import recovery as feedback_recovery
    subscribe(ev.TicketUpdated, feedback_recovery.on_ticket_updated)
    subscribe(ev.MessagePosted, feedback_recovery.on_message_posted)

    # Outbound webhooks (destek.webhooks): an outbox row per subscribed endpoint, in the
    # change's transaction.
    from destek.webhooks import subscribers as hooks
    subscribe(ev.TicketOpened, hooks.on_ticket_opened)
    subscribe(ev.MessagePosted, hooks.on_message_posted)
    subscribe(ev.TicketUpdated, hooks.on_ticket_updated)
    subscribe(ev.TicketAssigned, hooks.on_ticket_assigned)
    subscribe(sla_events.SlaAlerted, hooks.on_sla_alerted)

    # Ratings and chats come from apps above automation and webhooks: handed over here.
    from destek.feedback.domain_events import RatingRecorded
    from destek.livechat.domain_events import ChatEnded
    subscribe(RatingRecorded, _rating_recorded)
    subscribe(ChatEnded, _chat_ended)


def _rating_recorded(event: RatingRecorded) -> None:
    from destek.automation import subscribers as rules
    from destek.automation.happenings import Happening
    from destek.automation.models import TriggerEvent
    from destek.webhooks import subscribers as hooks

    rating = event.rating
    facts = {"score": rating.score, "comment": rating.comment, "scale": rating.scale,
             "changed": not event.created, "ticket_id": rating.ticket_id,
             "conversation_id": rating.conversation_id}
    rules.on_happening(Happening(event=TriggerEvent.RATING_RECEIVED, ticket=rating.ticket,
                                 facts=facts))
    hooks.on_external("rating.received", facts)


def _chat_ended(event: ChatEnded) -> None:
    from destek.automation import subscribers as rules
    from destek.automation.happenings import Happening
    from destek.automation.models import TriggerEvent
    from destek.webhooks import subscribers as hooks

    chat = event.conversation
    facts = {"conversation_id": chat.pk, "ticket_id": chat.ticket_id, "ended_by": event.side,
             "department_id": chat.department_id, "agent_id": chat.agent_id,
             "email": chat.visitor_email}
    rules.on_happening(Happening(event=TriggerEvent.CHAT_ENDED, ticket=chat.ticket,
                                 facts=facts))
    hooks.on_external("chat.ended", facts)
