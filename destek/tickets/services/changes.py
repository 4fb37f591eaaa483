"""Writes on existing tickets: field changes, assignment, customer close/reopen, merge, bulk."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from destek.accounts.models import Department, User
from destek.accounts.scope import is_department_limited, may_hand_work_to, works_in_department
from destek.core import bus
from destek.core.errors import ApplicationError, PermissionDenied
from destek.tickets import domain_events, events
from destek.tickets.access import access_ticket_by_id
from destek.tickets.models import (
    WAITING_STATUSES,
    EventKind,
    Message,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
    format_reference,
)
from destek.tickets.services.status import apply_waiting, stamp_status_times

UNSET = object()


def _require_agent(actor: User | None) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_agent:
        raise PermissionDenied(_("Only agents can do this."))


def _check_assignee(*, ticket: Ticket, department_id: int, assignee: User | None) -> None:
    if assignee is None:
        return
    if not assignee.is_agent or not assignee.is_active:
        raise ApplicationError(_("Tickets can only be assigned to active agents."),
                               field="assignee")
    if not works_in_department(assignee, department_id):  # an active agent, checked above
        raise ApplicationError(
            _("%(agent)s does not work in this department.") % {"agent": assignee.display_name},
            field="assignee",
        )


def _check_department(actor: User, department: Department) -> None:
    if is_department_limited(actor) and not works_in_department(actor, department.pk):
        raise ApplicationError(_("Choose a valid department."), field="department")


def parse_tags(text: str | Iterable[str]) -> list[str]:
    raw = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    names = []
    for item in raw:
        name = slugify(item, allow_unicode=True)[:50]
        if name and name not in names:
            names.append(name)
    return names


def ticket_update(
    *,
    actor: User | None,
    ticket: Ticket,
    status: str | None = None,
    priority: int | None = None,
    department: Department | None = None,
    subject: str | None = None,
    tags: list[str] | None = None,
    cc_addresses: list[str] | None = None,
    assignee: User | object | None = UNSET,
    waiting_for: str | None = None,
    waiting_note: str | None = None,
    rule: str = "",
) -> Ticket:
    """Change any of a ticket's fields as an agent; every change is an audit event.

    `waiting_for` / `waiting_note` (what a pending or on-hold ticket waits for, told to the
    customer) apply only while the ticket waits; leaving those statuses clears them.
    `rule`: the name of the trigger, automation or macro making the change. Without an actor
    (a trigger, an automation) the agent's checks do not apply (the assignee must still work
    in the department); the history records the rule's name."""
    if not (rule and actor is None):
        _require_agent(actor)
    now = timezone.now()
    changed: list[str] = []
    audit: list[TicketEvent] = []

    def note(kind: EventKind, before: object, after: object) -> None:
        audit.append(TicketEvent(ticket=ticket, actor=actor, kind=kind, before=str(before)[:255],
                                 after=str(after)[:255], created_at=now))

    previous_status = ticket.status
    with transaction.atomic():
        if status is not None and status != ticket.status:
            if status not in Status.values:
                raise ApplicationError(_("Choose a valid status."), field="status")
            old = ticket.status
            ticket.status = status
            changed.append("status")
            stamp_status_times(ticket, old, now, changed)
            note(EventKind.STATUS, old, status)
        if ticket.status in WAITING_STATUSES:
            apply_waiting(ticket, waiting_for, waiting_note, changed)
        if priority is not None and priority != ticket.priority:
            if priority not in Priority.values:
                raise ApplicationError(_("Choose a valid priority."), field="priority")
            note(EventKind.PRIORITY, Priority(ticket.priority).label, Priority(priority).label)
            ticket.priority = priority
            changed.append("priority")
        if department is not None and department.pk != ticket.department_id:
            if actor is not None:
                _check_department(actor, department)
            note(EventKind.DEPARTMENT, ticket.department.name, department.name)
            ticket.department = department
            changed.append("department")
        if subject is not None:
            clean = " ".join(subject.split())[:250]
            if not clean:
                raise ApplicationError(_("A subject is required."), field="subject")
            if clean != ticket.subject:
                note(EventKind.SUBJECT, ticket.subject, clean)
                ticket.subject = clean
                changed.append("subject")
        if cc_addresses is not None and list(cc_addresses) != list(ticket.cc_addresses):
            note(EventKind.CC, ", ".join(ticket.cc_addresses), ", ".join(cc_addresses))
            ticket.cc_addresses = list(cc_addresses)
            changed.append("cc_addresses")
        new_assignee = None
        if assignee is not UNSET and (getattr(assignee, "pk", None) != ticket.assignee_id):
            new_assignee = assignee if isinstance(assignee, User) else None
            _check_assignee(ticket=ticket, department_id=ticket.department_id,
                            assignee=new_assignee)
            if new_assignee is not None and actor is not None \
                    and not may_hand_work_to(actor, new_assignee):
                # The same list every door offers (the desk's dropdown, the API).
                raise ApplicationError(_("Choose a valid assignee."), field="assignee")
            note(EventKind.ASSIGNEE, ticket.assignee.display_name if ticket.assignee else "",
                 new_assignee.display_name if new_assignee else "")
            ticket.assignee = new_assignee
            changed.append("assignee")
        elif "department" in changed and ticket.assignee is not None:
            _check_assignee(ticket=ticket, department_id=ticket.department_id,
                            assignee=ticket.assignee)
        if tags is not None:
            _set_tags(ticket=ticket, names=parse_tags(tags), audit=audit, actor=actor, now=now)
        if not changed and not audit:
            return ticket
        if rule:
            note(EventKind.AUTOMATION, "", rule)
        ticket.updated_at = now
        ticket.save(update_fields=[*changed, "updated_at"])
        TicketEvent.objects.bulk_create(audit)
        if "assignee" in changed:
            bus.publish(domain_events.TicketAssigned(ticket=ticket, assignee=new_assignee,
                                                     actor=actor))
        bus.publish(domain_events.TicketUpdated(ticket=ticket, actor=actor,
                                                fields=tuple(changed),
                                                previous_status=previous_status))
    return ticket


def _set_tags(*, ticket: Ticket, names: list[str], audit: list[TicketEvent],
              actor: User | None, now: datetime) -> None:
    current = sorted(ticket.tags.values_list("name", flat=True))
    if sorted(names) == current:
        return
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    ticket.tags.set(list(existing.values()))
    audit.append(TicketEvent(ticket=ticket, actor=actor, kind=EventKind.TAGS,
                             before=", ".join(current)[:255],
                             after=", ".join(sorted(names))[:255], created_at=now))


def ticket_assign(*, actor: User, ticket: Ticket, assignee: User | None) -> Ticket:
    return ticket_update(actor=actor, ticket=ticket, assignee=assignee)


def ticket_set_status_by_customer(*, actor: User, ticket: Ticket, status: str) -> Ticket:
    """Customers may close their ticket or reopen a resolved/closed one; nothing else."""
    if status == Status.CLOSED:
        allowed = ticket.status != Status.CLOSED
    elif status == Status.OPEN:
        allowed = ticket.status in (Status.RESOLVED, Status.CLOSED)
    else:
        allowed = False
    if not allowed:
        raise ApplicationError(_("This ticket cannot be changed that way."), field="status")
    now = timezone.now()
    with transaction.atomic():
        old = ticket.status
        ticket.status = status
        changed = ["status", "updated_at"]
        stamp_status_times(ticket, old, now, changed)
        ticket.updated_at = now
        ticket.save(update_fields=changed)
        events.record(ticket=ticket, actor=actor, kind=EventKind.STATUS, before=old, after=status)
        bus.publish(domain_events.TicketUpdated(ticket=ticket, actor=actor, fields=("status",),
                                                previous_status=old))
    return ticket


def check_merge(*, source: Ticket, target: Ticket) -> None:
    """Whether `source` may be merged into `target` (asked before the agent confirms, and
    again by the merge)."""
    if source.pk == target.pk:
        raise ApplicationError(_("A ticket cannot be merged into itself."), field="target")
    if source.customer_id != target.customer_id:
        raise ApplicationError(_("Only tickets of the same customer can be merged."),
                               field="target")
    if target.merged_into_id:
        raise ApplicationError(_("The target ticket was itself merged."), field="target")


def ticket_merge(*, actor: User, source: Ticket, target: Ticket) -> Ticket:
    """Move source's conversation into target and close source, pointing at target."""
    _require_agent(actor)
    check_merge(source=source, target=target)
    now = timezone.now()
    with transaction.atomic():
        locked = {t.pk: t for t in Ticket.objects.select_for_update()
                  .filter(pk__in=[source.pk, target.pk]).order_by("pk")}
        source, target = locked[source.pk], locked[target.pk]
        moved_ids = list(Message.objects.filter(ticket=source).values_list("pk", flat=True))
        Message.objects.filter(pk__in=moved_ids).update(ticket=target)
        source.attachments.update(ticket=target)
        target.message_count = Message.objects.filter(ticket=target, is_internal=False).count()
        target.updated_at = now
        target.save(update_fields=["message_count", "updated_at"])
        old_status = source.status
        source.status = Status.CLOSED
        source.merged_into = target
        source.updated_at = now
        changed = ["status", "merged_into", "updated_at"]
        stamp_status_times(source, old_status, now, changed)
        source.save(update_fields=changed)
        # What moved where, in both histories: "Messages #12, #13 moved to T-100042".
        numbers = events.message_numbers(moved_ids)
        events.record_many([
            events.build(ticket=source, actor=actor, kind=EventKind.MERGED_OUT, before=numbers,
                         after=format_reference(target.pk), at=now),
            events.build(ticket=target, actor=actor, kind=EventKind.MERGED_IN,
                         before=format_reference(source.pk), after=numbers, at=now),
        ])
        bus.publish(domain_events.TicketUpdated(ticket=source, actor=actor,
                                                fields=tuple(changed)))
        bus.publish(domain_events.TicketUpdated(ticket=target, actor=actor,
                                                fields=("message_count",)))
    return target


def ticket_bulk_update(*, actor: User, ticket_ids: list[int], status: str | None = None,
                       priority: int | None = None, assignee: User | object | None = UNSET,
                       department: Department | None = None) -> int:
    """The same service as a single change, once per ticket, all or nothing."""
    _require_agent(actor)
    if not ticket_ids:
        raise ApplicationError(_("Select at least one ticket."), field="tickets")
    if len(ticket_ids) > 200:
        raise ApplicationError(_("At most 200 tickets can be changed at once."), field="tickets")
    with transaction.atomic():
        for ticket_id in ticket_ids:
            ticket = access_ticket_by_id(actor=actor, ticket_id=ticket_id, for_update=True)
            ticket_update(actor=actor, ticket=ticket, status=status, priority=priority,
                          assignee=assignee, department=department)
    return len(ticket_ids)
