"""Carrying out one due alert: who is told, and the reassignment at the end of the chain."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count

from destek.accounts.models import STAFF_ROLES, DepartmentMembership, User
from destek.core import bus
from destek.sla import domain_events as sla_events
from destek.sla.engine import Action
from destek.sla.facts import dt
from destek.sla.models import AlertKind, Metric, Reassign
from destek.sla.policies import Policy
from destek.sla.services.notify import notify_agent
from destek.sla.services.oncall import agents_on_duty
from destek.sla.services.progress import progress_update_customer
from destek.tickets import domain_events, events
from destek.tickets.models import OPEN_STATUSES, EventKind, Message, Ticket


def _key(ticket: Ticket, action: Action, who: str) -> str:
    return f"sla-{ticket.pk}-{action.metric}-{action.kind}-{action.cycle}-{who}"


def _first_in_line(ticket: Ticket) -> User | None:
    """The assignee, or the supervisor when nobody has the ticket."""
    return ticket.assignee or ticket.department.supervisor


def carry_out(*, ticket: Ticket, action: Action, policy: Policy, now: datetime,
              latest_message: Message | None = None) -> list[int]:
    """Do what `action` asks; returns the ids of the people told (or given the ticket).
    `latest_message`: the ticket's latest public agent message, for a customer update (the
    scan reads them for its whole batch at once)."""
    if action.skipped:
        return []
    due_at = dt(action.due)
    minutes = action.target.minutes if action.target else None
    told: list[User] = []
    if action.kind in (AlertKind.WARNING, AlertKind.BREACH):
        bus.publish(sla_events.SlaAlerted(ticket=ticket, kind=str(action.kind),
                                          metric=str(action.metric)))
        wanted = policy.warn_assignee if action.kind == AlertKind.WARNING \
            else policy.breach_notify_assignee
        person = _first_in_line(ticket) if wanted else None
        key = "sla_warning" if action.kind == AlertKind.WARNING else "sla_breach"
        if person and notify_agent(key=key, recipient=person, ticket=ticket,
                                   idempotency_key=_key(ticket, action, str(person.pk)),
                                   metric=action.metric, due_at=due_at, minutes=minutes):
            told.append(person)
    elif action.kind == AlertKind.SUPERVISOR:
        supervisor = ticket.department.supervisor
        if supervisor and notify_agent(key="sla_breach", recipient=supervisor, ticket=ticket,
                                       idempotency_key=_key(ticket, action, str(supervisor.pk)),
                                       metric=action.metric, due_at=due_at, minutes=minutes,
                                       escalated=True):
            told.append(supervisor)
    elif action.kind == AlertKind.REASSIGN:
        new = reassign(ticket=ticket, policy=policy, now=now)
        if new is not None:
            told.append(new)
    elif action.kind == AlertKind.REMINDER:
        person = _first_in_line(ticket)
        if person and notify_agent(key="sla_progress_reminder", recipient=person, ticket=ticket,
                                   idempotency_key=_key(ticket, action, str(person.pk)),
                                   metric=Metric.PROGRESS, due_at=due_at,
                                   opened_at=ticket.created_at,
                                   last_update_at=ticket.last_agent_message_at
                                   or ticket.created_at,
                                   customer_update_at=dt(action.next_update)):
            told.append(person)
    elif action.kind == AlertKind.CUSTOMER_UPDATE and policy.progress_customer_update \
            and progress_update_customer(
                ticket=ticket, idempotency_key=_key(ticket, action, "customer"),
                next_update_at=dt(action.next_update), latest=latest_message):
        told.append(ticket.customer)
    return [p.pk for p in told]


def _least_loaded(ticket: Ticket, exclude: set[int]) -> User | None:
    memberships = (DepartmentMembership.objects
                   .filter(department_id=ticket.department_id, agent__is_active=True,
                           agent__is_available=True, agent__role__in=STAFF_ROLES)
                   .exclude(agent_id__in=exclude).values_list("agent_id", flat=True))
    candidates = list(memberships)
    if not candidates:
        return None
    loads = dict(Ticket.objects.filter(assignee__in=candidates, status__in=OPEN_STATUSES)
                 .order_by().values("assignee").annotate(n=Count("pk"))
                 .values_list("assignee", "n"))
    best = min(candidates, key=lambda pk: (loads.get(pk, 0), pk))
    return User.objects.get(pk=best)


def pick_new_assignee(*, ticket: Ticket, policy: Policy, now: datetime) -> User | None:
    exclude = {ticket.assignee_id} if ticket.assignee_id else set()
    if policy.reassign_to == Reassign.SUPERVISOR:
        supervisor = ticket.department.supervisor
        return supervisor if supervisor and supervisor.pk not in exclude \
            and supervisor.is_active else None
    if policy.reassign_to == Reassign.ON_CALL:
        on_duty = [a for a in agents_on_duty(department_id=ticket.department_id, now=now)
                   if a.pk not in exclude]
        if on_duty:
            return on_duty[0]
    return _least_loaded(ticket, exclude)


def reassign(*, ticket: Ticket, policy: Policy, now: datetime) -> User | None:
    """The last step of the chain. Written like the funnel's automatic assignment (the
    ticket row is locked by the scan): the audit event and TicketAssigned tell the new
    assignee by email and refresh the desks."""
    new = pick_new_assignee(ticket=ticket, policy=policy, now=now)
    if new is None:
        return None
    before = ticket.assignee.display_name if ticket.assignee else ""
    ticket.assignee = new
    ticket.updated_at = now
    ticket.save(update_fields=["assignee", "updated_at"])
    events.record(ticket=ticket, actor=None, kind=EventKind.ASSIGNEE, before=before,
                  after=new.display_name)
    bus.publish(domain_events.TicketAssigned(ticket=ticket, assignee=new, actor=None))
    return new
