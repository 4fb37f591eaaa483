"""Macros: a canned response that also acts on the ticket, applied in one click.

Beside the funnel (like split.py), not in services/: it posts through `intake`, which imports
services/, and the modules of an app import each other in no cycle (import-linter).

`macro_apply` does, in one transaction, what the macro says: the reply (its text with the
placeholders filled in, or the agent's edited text) through the funnel as the agent's public
reply, the macro's status going with it; then one `ticket_update` named after the macro
(priority, tags added and removed, assignee, the status when there was no reply), so the
history says "Rule applied: <title>"; the internal note; the usage count. An error anywhere
leaves nothing behind: the reply's email is an outbox row of the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from destek.accounts.models import STAFF_ROLES, User
from destek.core.errors import ApplicationError, NotFound
from destek.tickets import events
from destek.tickets.access import access_ticket_by_id
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import (
    CannedResponse,
    Channel,
    EventKind,
    Message,
    Priority,
    Status,
    Ticket,
)
from destek.tickets.services.canned import canned_placeholders, render_text
from destek.tickets.services.changes import UNSET, parse_tags, ticket_update

ASSIGN_ME = "me"
UNASSIGN = "none"


class MacroFields(Protocol):
    """What describes a macro: a CannedResponse, or the desk's cached option of one."""

    @property
    def body(self) -> str: ...
    @property
    def set_status(self) -> str: ...
    @property
    def set_priority(self) -> int | None: ...
    @property
    def add_tags(self) -> str: ...
    @property
    def remove_tags(self) -> str: ...
    @property
    def set_assignee(self) -> str: ...
    @property
    def note(self) -> str: ...


def is_macro(canned: MacroFields) -> bool:
    """A canned response with something to do besides its text."""
    return bool(canned.set_status or canned.set_priority is not None or canned.add_tags.strip()
                or canned.remove_tags.strip() or canned.set_assignee or canned.note.strip())


def macro_actions(canned: MacroFields, *,
                  staff_name: Callable[[int], str | None] | None = None) -> list[str]:
    """What applying it does, one short translated sentence per thing (the desk's preview,
    Settings' list); `staff_name` names an assignee chosen by id."""
    done = []
    if canned.body.strip():
        done.append(_("Sends the reply"))
    if canned.set_status:
        done.append(_("Sets the status to %(status)s")
                    % {"status": Status(canned.set_status).label})
    if canned.set_priority is not None:
        done.append(_("Sets the priority to %(priority)s")
                    % {"priority": Priority(canned.set_priority).label})
    if add := parse_tags(canned.add_tags):
        done.append(_("Adds the tags %(tags)s") % {"tags": ", ".join(add)})
    if remove := parse_tags(canned.remove_tags):
        done.append(_("Removes the tags %(tags)s") % {"tags": ", ".join(remove)})
    if canned.set_assignee == ASSIGN_ME:
        done.append(_("Assigns the ticket to you"))
    elif canned.set_assignee == UNASSIGN:
        done.append(_("Unassigns the ticket"))
    elif canned.set_assignee.isdigit():
        name = staff_name(int(canned.set_assignee)) if staff_name else ""
        done.append(_("Assigns the ticket to %(agent)s")
                    % {"agent": name or "#" + canned.set_assignee})
    if canned.note.strip():
        done.append(_("Adds an internal note"))
    return done


def may_use_canned_response(actor: User, canned: CannedResponse, ticket: Ticket) -> bool:
    """As the desk offers them: shared ones and the actor's own, for every department or the
    ticket's."""
    if not actor.is_authenticated or not actor.is_agent:
        return False
    if canned.owner_id is not None and canned.owner_id != actor.pk:
        return False
    return canned.department_id is None or canned.department_id == ticket.department_id


@dataclass(frozen=True)
class MacroResult:
    ticket: Ticket
    reply: Message | None
    note: Message | None


def _assignee(canned: CannedResponse, actor: User) -> User | object | None:
    choice = canned.set_assignee
    if not choice:
        return UNSET
    if choice == ASSIGN_ME:
        return actor
    if choice == UNASSIGN:
        return None
    found = User.objects.filter(pk=int(choice) if choice.isdigit() else 0,
                                role__in=STAFF_ROLES, is_active=True).first()
    if found is None:
        raise ApplicationError(_("The macro's assignee is no longer an active agent."),
                               field="assignee")
    return found


def _changes(canned: CannedResponse, ticket: Ticket, actor: User,
             replied: bool) -> dict[str, Any]:
    """The fields the macro changes, only those that differ (nothing to change: no update)."""
    changes: dict[str, Any] = {}
    if canned.set_status and not replied and canned.set_status != ticket.status:
        changes["status"] = canned.set_status
    if canned.set_priority is not None and canned.set_priority != ticket.priority:
        changes["priority"] = canned.set_priority
    add, remove = parse_tags(canned.add_tags), set(parse_tags(canned.remove_tags))
    if add or remove:
        current = list(ticket.tags.values_list("name", flat=True))
        wanted = [name for name in dict.fromkeys([*current, *add]) if name not in remove]
        if sorted(wanted) != sorted(current):
            changes["tags"] = wanted
    assignee = _assignee(canned, actor)
    if assignee is not UNSET and getattr(assignee, "pk", None) != ticket.assignee_id:
        changes["assignee"] = assignee
    return changes


def macro_apply(*, actor: User, ticket: Ticket, canned: CannedResponse,
                body: str | None = None) -> MacroResult:
    """Apply `canned` to `ticket` as `actor`. `body`: the reply as the agent edited it (None:
    the macro's own text; empty: no reply). All of it, or nothing."""
    if not may_use_canned_response(actor, canned, ticket):
        raise NotFound(_("Canned response not found."))
    with transaction.atomic():
        # The actor's view of the ticket, locked: a department they do not work in is refused.
        ticket = access_ticket_by_id(actor=actor, ticket_id=ticket.pk, for_update=True)
        values = canned_placeholders(ticket=ticket, agent=actor, language=canned.language)
        text = render_text(canned.body, values) if body is None else body
        reply = None
        if text.strip():
            reply = receive(InboundMessage(
                channel=Channel.DESK, author=actor, ticket_id=ticket.pk, ticket=ticket,
                body_text=text, new_status=canned.set_status or None)).message
            ticket = reply.ticket
        changes = _changes(canned, ticket, actor, replied=reply is not None)
        if changes:
            ticket = ticket_update(actor=actor, ticket=ticket, rule=canned.title, **changes)
        else:  # nothing left to change: the history still says the macro was applied
            events.record(ticket=ticket, actor=actor, kind=EventKind.AUTOMATION,
                          after=canned.title)
        note = None
        if canned.note.strip():
            note = receive(InboundMessage(
                channel=Channel.DESK, author=actor, ticket_id=ticket.pk, ticket=ticket,
                body_text=render_text(canned.note, values), is_internal=True)).message
            ticket = note.ticket
        CannedResponse.objects.filter(pk=canned.pk).update(usage_count=F("usage_count") + 1)
    return MacroResult(ticket=ticket, reply=reply, note=note)
