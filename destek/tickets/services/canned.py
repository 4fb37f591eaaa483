"""Canned responses: fill the placeholders of a saved reply for one ticket and one agent.

Placeholders are `{name}` words. Only the known ones are replaced; anything else (an unknown
word, a stray brace, `{0}`, `{a.b}`) is left exactly as written. That is why this is a small
regular expression and not `str.format`: format strings raise on unbalanced braces or
positional fields, and allow attribute access (`{customer_name.__class__}`) that admins' text
should never be able to trigger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from destek.accounts.models import STAFF_ROLES, Department, User
from destek.accounts.scope import may_hand_work_to, works_in_department
from destek.core.bus import publish
from destek.core.errors import ApplicationError, NotFound
from destek.tickets.access import may_manage_canned_response
from destek.tickets.domain_events import CannedResponsesChanged
from destek.tickets.models import CannedResponse, Priority, Status, Ticket

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = (
    "customer_name",
    "customer_email",
    "ticket_number",
    "ticket_subject",
    "agent_name",
    "department",
)


def canned_placeholders(*, ticket: Ticket, agent: User, language: str = "") -> dict[str, str]:
    """The values a canned response may use; `ticket` must have customer and department loaded."""
    customer = ticket.customer
    lang = language or customer.language
    return {
        "customer_name": customer.full_name or customer.email,
        "customer_email": customer.email,
        "ticket_number": ticket.reference,
        "ticket_subject": ticket.subject,
        "agent_name": agent.display_name,
        "department": ticket.department.localized_name(lang),
    }


def render_text(template: str, values: dict[str, str]) -> str:
    """Replace known `{placeholder}`s in `template`; leave everything else untouched."""

    def substitute(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else value

    return PLACEHOLDER.sub(substitute, template)


def canned_response_render(*, canned: CannedResponse, ticket: Ticket, agent: User) -> str:
    """The text an agent starts a reply with; plain text, escaped later like any reply."""
    values = canned_placeholders(ticket=ticket, agent=agent, language=canned.language)
    return render_text(canned.body, values)


# --- writes (Settings → Canned responses) ------------------------------------------------------

@dataclass(frozen=True)
class CannedResponseInput:
    title: str
    body: str
    language: str
    department: Department | None
    personal: bool
    # A macro's actions (destek.tickets.macros); all empty: a plain canned response.
    set_status: str = ""
    set_priority: int | None = None
    add_tags: str = ""
    remove_tags: str = ""
    set_assignee: str = ""  # "me", "none", a staff member's id, or "" (unchanged)
    note: str = ""


MACRO_FIELDS = ("set_status", "set_priority", "add_tags", "remove_tags", "set_assignee", "note")


def _macro_values(data: CannedResponseInput, actor: User, *,
                  check_assignee: bool = True) -> dict[str, object]:
    """The macro's fields, checked: the forms offer only these values, other doors may not."""
    if data.set_status and data.set_status not in Status.values:
        raise ApplicationError(_("Choose a valid status."), field="set_status")
    if data.set_priority is not None and data.set_priority not in Priority.values:
        raise ApplicationError(_("Choose a valid priority."), field="set_priority")
    if data.set_assignee not in ("", "me", "none") and not data.set_assignee.isdigit():
        raise ApplicationError(_("Choose a valid assignee."), field="set_assignee")
    if check_assignee and data.set_assignee.isdigit() and not actor.may_configure:
        # An agent's macro names only a colleague the desk lets them hand work to.
        colleague = User.objects.filter(pk=int(data.set_assignee), role__in=STAFF_ROLES,
                                        is_active=True).first()
        if colleague is None or not may_hand_work_to(actor, colleague):
            raise ApplicationError(_("Choose a valid assignee."), field="set_assignee")
    return {name: getattr(data, name) for name in MACRO_FIELDS}


def _check_department(data: CannedResponseInput, actor: User) -> None:
    """An outsourced agent's responses stay in their departments, like their tickets."""
    if data.department is not None and not works_in_department(actor, data.department.pk):
        raise ApplicationError(_("Choose a valid department."), field="department")


def _changed(canned: CannedResponse) -> None:
    publish(CannedResponsesChanged(canned_id=canned.pk))


def canned_response_create(*, actor: User, data: CannedResponseInput) -> CannedResponse:
    """A shared response needs a supervisor or an administrator; anyone on the staff may keep
    personal ones, and what an agent saves is always their own personal one."""
    if not actor.is_agent:
        raise NotFound(_("Canned response not found."))
    personal = data.personal or not actor.may_configure
    if not actor.may_configure:
        _check_department(data, actor)
    values = _macro_values(data, actor)
    with transaction.atomic():
        canned = CannedResponse.objects.create(
            title=data.title, body=data.body, language=data.language,
            department=data.department, owner=actor if personal else None, **values)
        _changed(canned)
    return canned


def canned_response_update(*, actor: User, canned: CannedResponse,
                           data: CannedResponseInput) -> list[str]:
    """Change a response `actor` may manage (access_canned_response_by_id, to_manage=True);
    returns the names of the fields that changed. Making a shared one personal makes it the
    actor's own; sharing a personal one needs a supervisor or an administrator (an agent's
    stays personal whatever `data` says)."""
    if not may_manage_canned_response(actor, canned):
        raise NotFound(_("Canned response not found."))
    personal = data.personal or not actor.may_configure
    if not actor.may_configure and data.department is not None \
            and data.department.pk != canned.department_id:
        _check_department(data, actor)
    owner_id = (canned.owner_id or actor.pk) if personal else None
    macro = _macro_values(data, actor,
                          check_assignee=data.set_assignee != canned.set_assignee)
    new = {"title": data.title, "body": data.body, "language": data.language,
           "department_id": data.department.pk if data.department else None,
           "owner_id": owner_id, **macro}
    changed = [name for name, value in new.items() if getattr(canned, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(canned, name, new[name])
    with transaction.atomic():
        canned.save(update_fields=changed)
        _changed(canned)
    return [name.removesuffix("_id") for name in changed]


def canned_response_delete(*, actor: User, canned: CannedResponse) -> None:
    if not may_manage_canned_response(actor, canned):
        raise NotFound(_("Canned response not found."))
    pk = canned.pk
    with transaction.atomic():
        canned.delete()
        publish(CannedResponsesChanged(canned_id=pk))
