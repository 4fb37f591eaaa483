"""What a trigger or an automation does to a ticket: one JSON document (see
docs/automation.md), checked by `validate`, carried out by `apply`, told by `describe`.

Field changes go through one `ticket_update(actor=None, rule=...)` call, so the history shows
"Rule applied" with the rule's name beside the field events. The note goes through the funnel
(an internal note by the system), the email through notifications' `notify`, chat rooms and
webhooks through the webhooks' outbox: everything in the caller's transaction, sent after it
commits. An email is never sent when the message that caused the rule is an automatic reply
(an out-of-office answering an out-of-office is how mail loops start).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from destek.accounts.models import Department, User
from destek.accounts.scope import works_in_department
from destek.automation.happenings import Happening
from destek.core.errors import ApplicationError
from destek.notifications.compose import AUTOMATIC_HEADERS, AddressNotice, Notice
from destek.notifications.links import agent_ticket_url, customer_ticket_url
from destek.notifications.notify import notify, notify_address
from destek.notifications.rendering import email_language
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel, Priority, Status, Ticket
from destek.tickets.services.canned import render_text
from destek.tickets.services.changes import UNSET, parse_tags, ticket_update
from destek.webhooks.models import Endpoint, EndpointKind
from destek.webhooks.outbox import enqueue

EMAIL_KEY = "rule_email"  # notifications/catalog.py; templates in automation/templates/
NOTIFY_EVENT = "rule.notify"
WEBHOOK_EVENT = "rule.webhook"
CHAT_KINDS = (EndpointKind.SLACK, EndpointKind.TEAMS, EndpointKind.MATTERMOST)
LANGUAGES = ("en", "tr")
RECIPIENTS = ("customer", "assignee", "addresses")
MAX_TAGS = 20
MAX_NOTE = 5000
MAX_EMAIL_SUBJECT = 200
MAX_EMAIL_BODY = 20_000
MAX_ADDRESSES = 10
MAX_ENDPOINTS = 10

EMPTY: dict[str, Any] = {
    "priority": None, "status": "", "department_id": None, "assignee_id": None,
    "unassign": False, "tags_add": [], "tags_remove": [], "note": "", "email": None,
    "notify_endpoint_ids": [], "webhook_endpoint_ids": [],
}


# --- validate --------------------------------------------------------------------------------

def validate(doc: Any) -> dict[str, Any]:
    """The document cleaned (every key present), or ApplicationError naming the field."""
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ApplicationError(_("The actions must be a JSON object."), field="actions")
    unknown = sorted(set(doc) - set(EMPTY))
    if unknown:
        raise ApplicationError(_("Unknown action: %(name)s.") % {"name": unknown[0]},
                               field=str(unknown[0]))
    clean = {**EMPTY, "tags_add": [], "tags_remove": []}
    clean["priority"] = _priority(doc.get("priority"))
    clean["status"] = _status(doc.get("status"))
    clean["department_id"] = _department_id(doc.get("department_id"))
    clean["assignee_id"] = _assignee_id(doc.get("assignee_id"))
    clean["unassign"] = _bool(doc.get("unassign", False), "unassign")
    if clean["unassign"] and clean["assignee_id"] is not None:
        raise ApplicationError(_("Choose either an assignee or unassign, not both."),
                               field="unassign")
    clean["tags_add"] = clean_tags(doc.get("tags_add"), "tags_add")
    clean["tags_remove"] = clean_tags(doc.get("tags_remove"), "tags_remove")
    if set(clean["tags_add"]) & set(clean["tags_remove"]):
        raise ApplicationError(_("A tag cannot be both added and removed."), field="tags_remove")
    clean["note"] = _text(doc.get("note", ""), "note", MAX_NOTE)
    clean["email"] = _email(doc.get("email"))
    clean["notify_endpoint_ids"] = _endpoints(doc.get("notify_endpoint_ids"),
                                              "notify_endpoint_ids", chat=True)
    clean["webhook_endpoint_ids"] = _endpoints(doc.get("webhook_endpoint_ids"),
                                               "webhook_endpoint_ids", chat=False)
    if clean == EMPTY:
        raise ApplicationError(_("Choose at least one action."), field="actions")
    return clean


def _int(value: Any, field: str, message: str) -> int:
    if isinstance(value, bool):
        raise ApplicationError(message, field=field)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApplicationError(message, field=field) from None


def _priority(value: Any) -> int | None:
    if value in (None, ""):
        return None
    number = _int(value, "priority", _("Choose a valid priority."))
    if number not in Priority.values:
        raise ApplicationError(_("Choose a valid priority."), field="priority")
    return number


def _status(value: Any) -> str:
    if value in (None, ""):
        return ""
    if value not in Status.values:
        raise ApplicationError(_("Choose a valid status."), field="status")
    return str(value)


def _department_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    pk = _int(value, "department_id", _("Choose a valid department."))
    if not Department.objects.filter(pk=pk).exists():
        raise ApplicationError(_("Choose a valid department."), field="department_id")
    return pk


def _assignee_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    pk = _int(value, "assignee_id", _("Choose a valid assignee."))
    person = User.objects.filter(pk=pk, is_active=True).first()
    if person is None or not person.is_agent:
        raise ApplicationError(_("Choose a valid assignee."), field="assignee_id")
    return pk


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ApplicationError(_("Choose yes or no."), field=field)
    return value


def clean_tags(value: Any, field: str) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | str) or (
            isinstance(value, list) and not all(isinstance(v, str) for v in value)):
        raise ApplicationError(_("Tags must be a list of words."), field=field)
    names = parse_tags(value)
    if len(names) > MAX_TAGS:
        raise ApplicationError(_("At most %(count)d tags.") % {"count": MAX_TAGS}, field=field)
    return names


def _text(value: Any, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApplicationError(_("Enter text."), field=field)
    clean = value.strip()
    if len(clean) > limit:
        raise ApplicationError(_("At most %(count)d characters.") % {"count": limit},
                               field=field)
    return clean


def _email(value: Any) -> dict[str, Any] | None:
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise ApplicationError(_("The email must be a JSON object."), field="email")
    to = value.get("to", "customer")
    if to not in RECIPIENTS:
        raise ApplicationError(_("Choose who receives the email."), field="email.to")
    addresses: list[str] = []
    if to == "addresses":
        raw = value.get("addresses") or []
        if isinstance(raw, str):
            raw = raw.replace(",", " ").split()
        if not isinstance(raw, list) or not raw:
            raise ApplicationError(_("Enter at least one email address."),
                                   field="email.addresses")
        for address in raw:
            try:
                validate_email(address)
            except (ValidationError, TypeError):
                raise ApplicationError(_("%(address)s is not a valid email address.")
                                       % {"address": address}, field="email.addresses") from None
            if address.lower() not in addresses:
                addresses.append(address.lower())
        if len(addresses) > MAX_ADDRESSES:
            raise ApplicationError(_("At most %(count)d addresses.") % {"count": MAX_ADDRESSES},
                                   field="email.addresses")
    subject = _translations(value.get("subject"), "email.subject", MAX_EMAIL_SUBJECT)
    body = _translations(value.get("body"), "email.body", MAX_EMAIL_BODY)
    if not any(subject.values()):
        raise ApplicationError(_("The email needs a subject."), field="email.subject")
    if not any(body.values()):
        raise ApplicationError(_("The email needs a text."), field="email.body")
    return {"to": to, "addresses": addresses, "subject": subject, "body": body}


def _translations(value: Any, field: str, limit: int) -> dict[str, str]:
    if value is None:
        value = {}
    if isinstance(value, str):  # one text for every language
        value = dict.fromkeys(LANGUAGES, value)
    if not isinstance(value, dict):
        raise ApplicationError(_("Enter the text in English and Turkish."), field=field)
    out = {language: _text(value.get(language, ""), field, limit) for language in LANGUAGES}
    if field.endswith("subject"):
        out = {language: " ".join(text.split()) for language, text in out.items()}
    return out


def _endpoints(value: Any, field: str, *, chat: bool) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ApplicationError(_("Choose the webhooks from the list."), field=field)
    ids = list(dict.fromkeys(_int(v, field, _("Choose the webhooks from the list."))
                             for v in value))
    if len(ids) > MAX_ENDPOINTS:
        raise ApplicationError(_("At most %(count)d webhooks.") % {"count": MAX_ENDPOINTS},
                               field=field)
    kinds = dict(Endpoint.objects.filter(pk__in=ids).values_list("pk", "kind"))
    for pk in ids:
        kind = kinds.get(pk)
        if kind is None or (kind in CHAT_KINDS) != chat:
            message = (_("Choose a Slack, Teams or Mattermost channel.") if chat
                       else _("Choose a webhook (signed JSON)."))
            raise ApplicationError(message, field=field)
    return ids


# --- placeholders ------------------------------------------------------------------------------

def placeholders(ticket: Ticket, *, language: str, link: str) -> dict[str, str]:
    """The values of {ticket_number} {subject} {customer_name} {agent_name} {priority}
    {status} {link} (and the canned responses' {ticket_subject} {customer_email}
    {department}) in `language`; `ticket` with customer, department and assignee loaded."""
    customer, assignee = ticket.customer, ticket.assignee
    with translation.override(language):
        return {
            "ticket_number": ticket.reference,
            "subject": ticket.subject,
            "ticket_subject": ticket.subject,
            "customer_name": customer.full_name or customer.email,
            "customer_email": customer.email,
            "agent_name": assignee.display_name if assignee else "",
            "department": ticket.department.localized_name(language),
            "priority": str(Priority(ticket.priority).label),
            "status": str(Status(ticket.status).label),
            "link": link,
        }


def _site_language() -> str:
    return email_language(settings.LANGUAGE_CODE)


# --- apply -------------------------------------------------------------------------------------

def apply(*, ticket: Ticket, doc: dict[str, Any], rule_name: str,
          happening: Happening | None, key: str = "") -> list[str]:
    """Carry out the (validated) actions on `ticket` (locked by the caller, with customer,
    department and assignee loaded), in the caller's transaction; one translated sentence
    per thing done. `key` names this firing (an automation's: its anchor) so that the email
    of a firing handled twice is queued once; without it, the happening names it."""
    doc = {**EMPTY, **(doc or {})}
    firing = key or _firing(ticket, happening)
    done = _change_fields(ticket, doc, rule_name)
    if doc["note"]:
        values = placeholders(ticket, language=_site_language(), link=agent_ticket_url(ticket))
        result = receive(InboundMessage(
            channel=Channel.DESK, ticket_id=ticket.pk, ticket=ticket, is_internal=True,
            from_system=True, body_text=render_text(doc["note"], values)))
        ticket.updated_at = result.ticket.updated_at
        done.append(_("Added an internal note."))
    if doc["email"]:
        if happening is not None and happening.message is not None \
                and happening.message.is_auto_reply:
            pass  # the shipped guarantee: auto-replies never trigger outbound mail
        elif _send_email(ticket, doc["email"], rule_name, firing):
            done.append(_email_sentence(doc["email"]))
    if doc["notify_endpoint_ids"]:
        rooms = list(Endpoint.objects.filter(pk__in=doc["notify_endpoint_ids"],
                                             kind__in=CHAT_KINDS, is_active=True,
                                             disabled_at__isnull=True))
        if rooms:
            enqueue(endpoints=rooms, event_type=NOTIFY_EVENT,
                    payload={"text": chat_text(ticket, rule_name),
                             "ticket": ticket_payload(ticket)})
            done.append(ngettext("Notified %(count)d chat channel.",
                                 "Notified %(count)d chat channels.", len(rooms))
                        % {"count": len(rooms)})
    if doc["webhook_endpoint_ids"]:
        hooks = list(Endpoint.objects.filter(pk__in=doc["webhook_endpoint_ids"],
                                             kind=EndpointKind.WEBHOOK, is_active=True,
                                             disabled_at__isnull=True))
        if hooks:
            enqueue(endpoints=hooks, event_type=WEBHOOK_EVENT,
                    payload={"rule": rule_name,
                             "happening": happening.event if happening else "automation",
                             "ticket": ticket_payload(ticket)})
            done.append(ngettext("Called %(count)d webhook.", "Called %(count)d webhooks.",
                                 len(hooks)) % {"count": len(hooks)})
    return done


def _firing(ticket: Ticket, happening: Happening | None) -> str:
    if happening is None:
        return f"t{ticket.updated_at.timestamp():.6f}"
    message = happening.message.pk if happening.message is not None else ""
    return f"{happening.event}-{message}-{ticket.updated_at.timestamp():.6f}"


def _change_fields(ticket: Ticket, doc: dict[str, Any], rule_name: str) -> list[str]:
    """The field changes that differ from the ticket's, in one ticket_update call."""
    changes: dict[str, Any] = {}
    done: list[str] = []
    if doc["priority"] is not None and doc["priority"] != ticket.priority:
        changes["priority"] = doc["priority"]
        done.append(_("Set the priority to %(priority)s.")
                    % {"priority": Priority(doc["priority"]).label})
    if doc["status"] and doc["status"] != ticket.status:
        changes["status"] = doc["status"]
        done.append(_("Set the status to %(status)s.") % {"status": Status(doc["status"]).label})
    department_id = ticket.department_id
    if doc["department_id"] is not None and doc["department_id"] != ticket.department_id:
        department = Department.objects.filter(pk=doc["department_id"]).first()
        if department is not None:
            changes["department"] = department
            department_id = department.pk
            done.append(_("Moved to %(department)s.") % {"department": department.name})
    assignee: User | object | None = UNSET
    if doc["unassign"] and ticket.assignee_id is not None:
        assignee = None
        done.append(_("Removed the assignee."))
    elif doc["assignee_id"] is not None and doc["assignee_id"] != ticket.assignee_id:
        person = User.objects.filter(pk=doc["assignee_id"], is_active=True).first()
        # Someone who cannot take the ticket (gone, or not in its department) is skipped:
        # a rule must never make the change that caused it fail.
        if person is not None and person.is_agent and works_in_department(person, department_id):
            assignee = person
            done.append(_("Assigned to %(agent)s.") % {"agent": person.display_name})
    elif "department" in changes and ticket.assignee is not None \
            and not works_in_department(ticket.assignee, department_id):
        assignee = None  # the assignee does not work in the new department
        done.append(_("Removed the assignee."))
    if assignee is not UNSET:
        changes["assignee"] = assignee
    if doc["tags_add"] or doc["tags_remove"]:
        current = list(ticket.tags.values_list("name", flat=True))
        added = [t for t in doc["tags_add"] if t not in current]
        removed = [t for t in doc["tags_remove"] if t in current]
        if added or removed:
            changes["tags"] = [t for t in current if t not in removed] + added
            if added:
                done.append(_("Added the tags %(tags)s.") % {"tags": ", ".join(added)})
            if removed:
                done.append(_("Removed the tags %(tags)s.") % {"tags": ", ".join(removed)})
    if changes:
        ticket_update(actor=None, ticket=ticket, rule=rule_name, **changes)
    return done


def _send_email(ticket: Ticket, email: dict[str, Any], rule_name: str, firing: str) -> bool:
    """Queue the rule's email; False when there was nobody to send it to."""
    to = ",".join([email["to"], *email["addresses"]])
    digest = hashlib.sha256(f"{rule_name}\n{ticket.pk}\n{firing}\n{to}".encode()).hexdigest()[:40]
    idempotency_key = f"rule-{ticket.pk}-{digest}"
    if email["to"] == "addresses":
        language = _site_language()
        values = placeholders(ticket, language=language, link=agent_ticket_url(ticket))
        subject, body = _texts(email, language, values)
        address_notice = AddressNotice(
            key=EMAIL_KEY, to=list(email["addresses"]), language=language,
            context={"rule_subject": subject, "rule_body": body},
            headers={**AUTOMATIC_HEADERS, "X-Destek-Ticket": ticket.reference}, ticket=ticket)
        return notify_address(notice=address_notice, kind=EMAIL_KEY,
                              idempotency_key=idempotency_key) is not None
    recipient = ticket.customer if email["to"] == "customer" else ticket.assignee
    if recipient is None or not recipient.is_active or not recipient.email:
        return False
    language = email_language(recipient.language)
    url = customer_ticket_url(ticket) if email["to"] == "customer" else agent_ticket_url(ticket)
    values = placeholders(ticket, language=language, link=url)
    subject, body = _texts(email, language, values)
    department_address = ticket.department.email
    notice = Notice(key=EMAIL_KEY, recipient=recipient, ticket=ticket, url=url,
                    reply_to=[department_address] if department_address else [],
                    extra_context={"rule_subject": subject, "rule_body": body})
    return notify(notice=notice, idempotency_key=idempotency_key) is not None


def _texts(email: dict[str, Any], language: str, values: dict[str, str]) -> tuple[str, str]:
    """The subject and text in `language`, else in the other language written."""
    def pick(texts: dict[str, str]) -> str:
        return texts.get(language) or next((t for t in texts.values() if t), "")

    return render_text(pick(email["subject"]), values), render_text(pick(email["body"]), values)


def _email_sentence(email: dict[str, Any]) -> str:
    if email["to"] == "customer":
        return _("Emailed the customer.")
    if email["to"] == "assignee":
        return _("Emailed the assignee.")
    return _("Emailed %(addresses)s.") % {"addresses": ", ".join(email["addresses"])}


def chat_text(ticket: Ticket, rule_name: str) -> str:
    """What a chat channel reads: the rule, the ticket's reference, subject, priority and
    link (in the site's language)."""
    with translation.override(_site_language()):
        return _("%(rule)s: %(reference)s “%(subject)s” (%(priority)s, %(status)s) %(link)s") % {
            "rule": rule_name, "reference": ticket.reference, "subject": ticket.subject,
            "priority": Priority(ticket.priority).label, "status": Status(ticket.status).label,
            "link": agent_ticket_url(ticket)}


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    """The ticket as a webhook receives it (JSON values only)."""
    customer, assignee = ticket.customer, ticket.assignee
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": Priority(ticket.priority).name.lower(),
        "channel": ticket.channel,
        "department": {"id": ticket.department_id, "name": ticket.department.name},
        "assignee": ({"id": assignee.pk, "name": assignee.display_name}
                     if assignee is not None else None),
        "customer": {"id": customer.pk, "name": customer.display_name, "email": customer.email},
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "url": agent_ticket_url(ticket),
    }


# --- describe ---------------------------------------------------------------------------------

def describe(doc: dict[str, Any]) -> list[str]:
    """What `apply` would do, as sentences, without a ticket and without writing anything."""
    doc = {**EMPTY, **(doc or {})}
    out: list[str] = []
    if doc["priority"] is not None:
        out.append(_("Set the priority to %(priority)s.")
                   % {"priority": Priority(doc["priority"]).label})
    if doc["status"]:
        out.append(_("Set the status to %(status)s.") % {"status": Status(doc["status"]).label})
    if doc["department_id"] is not None:
        department = Department.objects.filter(pk=doc["department_id"]).first()
        if department is not None:
            out.append(_("Moved to %(department)s.") % {"department": department.name})
    if doc["unassign"]:
        out.append(_("Removed the assignee."))
    elif doc["assignee_id"] is not None:
        person = User.objects.filter(pk=doc["assignee_id"]).first()
        if person is not None:
            out.append(_("Assigned to %(agent)s.") % {"agent": person.display_name})
    if doc["tags_add"]:
        out.append(_("Added the tags %(tags)s.") % {"tags": ", ".join(doc["tags_add"])})
    if doc["tags_remove"]:
        out.append(_("Removed the tags %(tags)s.") % {"tags": ", ".join(doc["tags_remove"])})
    if doc["note"]:
        out.append(_("Added an internal note."))
    if doc["email"]:
        out.append(_email_sentence(doc["email"]))
    for ids, kinds, one, many in (
            (doc["notify_endpoint_ids"], CHAT_KINDS, "Notified %(count)d chat channel.",
             "Notified %(count)d chat channels."),
            (doc["webhook_endpoint_ids"], (EndpointKind.WEBHOOK,), "Called %(count)d webhook.",
             "Called %(count)d webhooks.")):
        if ids:
            count = Endpoint.objects.filter(pk__in=ids, kind__in=kinds, is_active=True).count()
            if count:
                out.append(ngettext(one, many, count) % {"count": count})
    return out
