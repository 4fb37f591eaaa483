"""What the desk's hot templates print, computed once per page in Python.

The queue shows 25 rows and the ticket page a conversation and its history on every request.
Django's template engine spends most of such a page resolving variables and running tags and
filters per row (`{% url %}`, `naturaltime`, `get_FOO_display`, `{% blocktranslate %}`, date
formatting). Here each row becomes a dict of ready values: labels, URLs and date formats are
looked up once per page, and the templates only print them (escaped, as always). Dicts rather
than objects because a dict key is the cheapest lookup the template engine does.

No queries here: everything comes from what the selectors loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.defaultfilters import filesizeformat, truncatechars
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import get_language, gettext

from destek.core.sanitize import REMOTE_IMAGE_PLACEHOLDER, body_for_reader
from destek.desk.choices import AgentOption, DepartmentOption
from destek.desk.formatting import DateFormatter, id_url, iso
from destek.desk.history_sentences import Sentences
from destek.desk.mentions import highlight_mentions
from destek.desk.sla_presenters import countdown_labels, metric_labels, queue_sla_cell
from destek.tickets.models import (
    AuthorKind,
    Channel,
    EventKind,
    Message,
    Priority,
    Status,
    TicketEvent,
    format_reference,
)
from destek.tickets.selectors import NoteMention
from destek.tickets.web import priority_badge, status_badge


def status_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Status.choices}


def priority_labels() -> dict[int, str]:
    return {value: str(label) for value, label in Priority.choices}


class QueueRow(TypedDict):
    pk: str  # a string: the template engine localizes every int it prints (number_format)
    url: str
    reference: str
    select_label: str
    subject: str
    customer_name: str
    customer_email: str
    department: str
    priority_badge: str
    priority_label: str
    status_badge: str
    status_label: str
    assignee: str
    tags: list[str]
    updated_iso: str
    updated_title: str
    updated_ago: str
    # the next SLA deadline (destek.desk.sla_presenters.SlaCell)
    sla_level: str
    sla_class: str
    sla_due_iso: str
    sla_warn_iso: str
    sla_label: str
    sla_title: str


def queue_rows(tickets: Iterable[dict[str, Any]]) -> list[QueueRow]:
    """The queue table's rows, from `ticket_queue_rows` (plain rows with `tag_names`)."""
    tr = get_language() == "tr"
    now = timezone.now()
    countdown, metrics = countdown_labels(), metric_labels()
    url = id_url("desk:ticket", "ticket_id")
    statuses, priorities = status_labels(), priority_labels()
    select = gettext("Select %(ref)s")
    full_date = DateFormatter()
    rows: list[QueueRow] = []
    for t in tickets:
        pk = t["id"]
        reference = format_reference(pk)
        department = (t["department__name_tr"] if tr and t["department__name_tr"]
                      else t["department__name"])
        rows.append({
            "pk": str(pk),
            "url": url(pk),
            "reference": reference,
            "select_label": select % {"ref": reference},
            "subject": t["subject"],
            "customer_name": t["customer__full_name"] or t["customer__email"],
            "customer_email": t["customer__email"],
            "department": department,
            "priority_badge": priority_badge(t["priority"]),
            "priority_label": priorities.get(t["priority"], str(t["priority"])),
            "status_badge": status_badge(t["status"]),
            "status_label": statuses.get(t["status"], t["status"]),
            # User.display_name: the full name, else the address.
            "assignee": (t["assignee__full_name"] or t["assignee__email"]
                         if t["assignee_id"] is not None else ""),
            "tags": t.get("tag_names") or [],
            "updated_iso": full_date.iso(t["updated_at"]),
            "updated_title": full_date(t["updated_at"]),
            "updated_ago": str(naturaltime(t["updated_at"])),
            **queue_sla_cell(t, now=now, labels=countdown, metrics=metrics,
                             full_date=full_date),
        })
    return rows


class Choice(TypedDict):
    value: str
    label: str
    selected: bool


def choices(options: Iterable[tuple[object, object]], selected: object) -> list[Choice]:
    """`<option>`s for a select, the chosen ones marked (values compared as strings).

    `selected` is one value, or a tuple/list/set of them; None selects the "" option.
    """
    if isinstance(selected, tuple | list | set | frozenset):
        chosen = {str(v) for v in selected}
    else:
        chosen = {"" if selected is None else str(selected)}
    return [{"value": str(v), "label": str(label), "selected": str(v) in chosen}
            for v, label in options]


def department_options(departments: Iterable[DepartmentOption]) -> list[tuple[int, str]]:
    language = get_language()
    return [(d.id, d.label(language)) for d in departments]


def agent_options(agents: Iterable[AgentOption]) -> list[tuple[int, str]]:
    return [(a.id, a.label) for a in agents]


def event_value(kind: str, value: str, statuses: dict[str, str]) -> str:
    """History stores status codes; show them as the labels agents know."""
    return statuses.get(value, value) if kind == EventKind.STATUS else value


@dataclass(frozen=True, slots=True)
class AttachmentView:
    """An attachment's link in desk/_message.html."""

    pk: int
    original_name: str
    url: str
    size_label: str


@dataclass(frozen=True, slots=True)
class MessageView:
    """What desk/_message.html prints about one message."""

    pk: int
    css_class: str
    is_internal: bool
    is_auto_reply: bool
    sender_unverified: bool  # shown as the "Unverified sender" badge
    author_label: str
    channel_label: str
    created_iso: str
    created_label: str
    body_html: str  # sanitized when stored (destek.core.sanitize)
    quoted_text: str
    files: list[AttachmentView]
    # "blocked": its images from other hosts show a placeholder until the agent asks;
    # "shown": the agent asked (this response's CSP allows them); "": it has none.
    remote_images: str = ""
    received_email_url: str = ""  # administrators: the received email (mail/admin_parts.py)
    # Agents @mentioned in this note who were not told: they may not see the ticket.
    not_notified: list[str] = field(default_factory=list)


def _message_css(m: Message) -> str:
    if m.is_internal:
        return "message-internal"
    return "message-agent" if m.author_kind == AuthorKind.AGENT else "message-customer"


def present_messages(messages: list[Message], *, remote_images_for: int | None = None,
                     received_email_urls: dict[int, str] | None = None,
                     mentions: dict[int, list[NoteMention]] | None = None
                     ) -> list[MessageView]:
    """What desk/_message.html prints, from messages with author and attachments loaded.

    Images from other hosts are replaced by a placeholder, except in the message
    `remote_images_for` (the one whose images the agent asked to see)."""
    channels = {value: str(label) for value, label in Channel.choices}
    kinds = {value: str(label) for value, label in AuthorKind.choices}
    short_date = DateFormatter("SHORT_DATETIME_FORMAT")
    attachment_url = id_url("desk:attachment", "attachment_id")
    placeholder = static(REMOTE_IMAGE_PLACEHOLDER)
    bodies = [body_for_reader(m.body_html, show_remote_images=m.pk == remote_images_for,
                              placeholder=placeholder) for m in messages]
    return [
        MessageView(
            pk=m.pk,
            css_class=_message_css(m),
            is_internal=m.is_internal,
            is_auto_reply=m.is_auto_reply,
            sender_unverified=not m.sender_verified,
            author_label=(m.author.display_name if m.author
                          else kinds.get(m.author_kind, m.author_kind)),
            channel_label=channels.get(m.channel, m.channel),
            created_iso=iso(m.created_at),
            created_label=short_date(m.created_at),
            body_html=(highlight_mentions(body.html, [x.email for x in mentions[m.pk]])
                       if mentions and m.pk in mentions else body.html),
            not_notified=[x.name for x in (mentions or {}).get(m.pk, ()) if not x.notified],
            quoted_text=m.quoted_text,
            files=[AttachmentView(pk=a.pk, original_name=a.original_name,
                                  url=attachment_url(a.pk), size_label=filesizeformat(a.size))
                   for a in m.attachments.all()],
            remote_images=body.remote_images,
            received_email_url=(received_email_urls or {}).get(m.pk, ""),
        )
        for m, body in zip(messages, bodies, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class EventView:
    """What desk/_history.html prints about one audit event."""

    kind: str
    before: str
    after: str
    actor_label: str
    kind_label: str
    created_iso: str
    created_label: str
    excerpt: str  # replies and notes: the start of the text
    before_label: str
    after_label: str
    # Moves and links: a whole sentence with the other ticket as a link (history_sentences).
    sentence: str | None = None


def present_events(events: list[TicketEvent]) -> list[EventView]:
    """What desk/_history.html prints, from events with their actor loaded."""
    kinds = {value: str(label) for value, label in EventKind.choices}
    statuses = status_labels()
    short_date = DateFormatter("SHORT_DATETIME_FORMAT")
    sentences = Sentences(id_url("desk:ticket", "ticket_id"))
    return [
        EventView(
            kind=e.kind,
            before=e.before,
            after=e.after,
            actor_label=e.actor.display_name if e.actor else "",
            kind_label=kinds.get(e.kind, e.kind),
            created_iso=iso(e.created_at),
            created_label=short_date(e.created_at),
            excerpt=(truncatechars(e.after, 60)
                     if e.kind in (EventKind.REPLIED, EventKind.NOTE) else ""),
            before_label=event_value(e.kind, e.before, statuses),
            after_label=event_value(e.kind, e.after, statuses),
            sentence=sentences(e.kind, e.before, e.after),
        )
        for e in events
    ]
