"""Which hosting service a ticket is about, as an agent sets or changes it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.core import bus
from destek.core.errors import ApplicationError, PermissionDenied
from destek.hosting.models import Service
from destek.hosting.selectors import services_of
from destek.tickets import domain_events, events
from destek.tickets.models import EventKind, Ticket


def ticket_set_service(*, actor: User, ticket: Ticket, service_id: int | None) -> Ticket:
    """Set (or clear, with None) the ticket's service: one of its customer's own services or
    their organization's. An audit event and `TicketUpdated(fields=("service",))`, so rules
    that match on the service (SLA policies, routing) can hear it."""
    if not actor.is_authenticated or not actor.is_agent:
        raise PermissionDenied(_("Only agents can do this."))
    if service_id == ticket.service_id:
        return ticket
    service: Service | None = None
    if service_id is not None:
        service = services_of(ticket.customer).filter(pk=service_id).first()
        if service is None:
            raise ApplicationError(_("Choose one of the customer's services."), field="service")
    before = ticket.service
    with transaction.atomic():
        ticket.service = service
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["service", "updated_at"])
        events.record(ticket=ticket, actor=actor, kind=EventKind.SERVICE,
                      before=str(before) if before else "",
                      after=str(service) if service else "")
        bus.publish(domain_events.TicketUpdated(ticket=ticket, actor=actor, fields=("service",)))
    return ticket
