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

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, TypedDict

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.defaultfilters import filesizeformat, truncatechars
from django.urls import get_script_prefix, reverse
from django.utils import dateformat, formats, timezone
from django.utils.translation import get_language, gettext

from destek.desk.choices import AgentOption, DepartmentOption
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

PRIORITY_BADGES: dict[int, str] = {
    Priority.LOW: "text-bg-light border",
    Priority.NORMAL: "text-bg-secondary",
    Priority.HIGH: "text-bg-warning",
    Priority.CRITICAL: "text-bg-danger",
}
STATUS_BADGES: dict[str, str] = {
    Status.NEW: "text-bg-primary",
    Status.OPEN: "text-bg-info",
    Status.PENDING: "text-bg-warning",
    Status.ON_HOLD: "text-bg-secondary",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-dark",
}
_URL_MARKER = 2_147_483_629  # any integer the <int:…> converters accept


@lru_cache(maxsize=64)
def _url_parts(name: str, kwarg: str, prefix: str) -> tuple[str, str]:
    path = reverse(name, kwargs={kwarg: _URL_MARKER})
    head, _marker, tail = path.rpartition(str(_URL_MARKER))
    return head, tail


def id_url(name: str, kwarg: str) -> Callable[[int], str]:
    """`reverse(name, kwargs={kwarg: pk})` for many pks at the cost of one reverse()."""
    head, tail = _url_parts(name, kwarg, get_script_prefix())
    return lambda pk: f"{head}{pk}{tail}"


def status_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Status.choices}


def priority_labels() -> dict[int, str]:
    return {value: str(label) for value, label in Priority.choices}


class DateFormatter:
    """Local time as the templates print it (`{{ value }}`, `|date:"SHORT_DATETIME_FORMAT"`).

    The format is looked up and split into its parts once per page instead of once per
    value (what `django.utils.dateformat.format` does on every call).
    """

    def __init__(self, format_name: str = "DATETIME_FORMAT") -> None:
        pieces = dateformat.re_formatchars.split(str(formats.get_format(format_name)))
        self.parts = [(i % 2 == 1, piece if i % 2 else dateformat.re_escaped.sub(r"\1", piece))
                      for i, piece in enumerate(pieces) if piece]
        # The current time zone, once per page (`localtime` looks it up on every call).
        self.tz = timezone.get_current_timezone()

    def __call__(self, value: datetime) -> str:
        data = dateformat.DateFormat(value.astimezone(self.tz))
        return "".join(str(getattr(data, part)()) if code else part for code, part in self.parts)

    def iso(self, value: datetime) -> str:
        """`iso(value)` in this formatter's time zone."""
        return value.astimezone(self.tz).isoformat()


def iso(value: datetime) -> str:
    """What `{{ value|date:'c' }}` prints: ISO 8601 in the current time zone."""
    return timezone.localtime(value).isoformat()


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
    from destek.desk.sla_presenters import countdown_labels, metric_labels, queue_sla_cell

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
            "priority_badge": PRIORITY_BADGES.get(t["priority"], "text-bg-secondary"),
            "priority_label": priorities.get(t["priority"], str(t["priority"])),
            "status_badge": STATUS_BADGES.get(t["status"], "text-bg-secondary"),
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



def present_messages(messages: list[Message]) -> list[Message]:
    """Give each message (with author and attachments loaded) what desk/_message.html prints.

    Attributes are added to the messages themselves, so the template can still use any
    field of the model.
    """
    channels = {value: str(label) for value, label in Channel.choices}
    kinds = {value: str(label) for value, label in AuthorKind.choices}
    short_date = DateFormatter("SHORT_DATETIME_FORMAT")
    attachment_url = id_url("desk:attachment", "attachment_id")
    for m in messages:
        if m.is_internal:
            css = "message-internal"
        elif m.author_kind == AuthorKind.AGENT:
            css = "message-agent"
        else:
            css = "message-customer"
        m.css_class = css  # type: ignore[attr-defined]
        m.author_label = (  # type: ignore[attr-defined]
            m.author.display_name if m.author else kinds.get(m.author_kind, m.author_kind))
        m.channel_label = channels.get(m.channel, m.channel)  # type: ignore[attr-defined]
        m.created_iso = iso(m.created_at)  # type: ignore[attr-defined]
        m.created_label = short_date(m.created_at)  # type: ignore[attr-defined]
        files = list(m.attachments.all())
        for a in files:
            a.url = attachment_url(a.pk)  # type: ignore[attr-defined]
            a.size_label = filesizeformat(a.size)  # type: ignore[attr-defined]
        m.files = files  # type: ignore[attr-defined]
    return messages


def present_events(events: list[TicketEvent]) -> list[TicketEvent]:
    """Give each audit event (with its actor loaded) what desk/_history.html prints."""
    kinds = {value: str(label) for value, label in EventKind.choices}
    statuses = status_labels()
    short_date = DateFormatter("SHORT_DATETIME_FORMAT")
    for e in events:
        e.actor_label = e.actor.display_name if e.actor else ""  # type: ignore[attr-defined]
        e.kind_label = kinds.get(e.kind, e.kind)  # type: ignore[attr-defined]
        e.created_iso = iso(e.created_at)  # type: ignore[attr-defined]
        e.created_label = short_date(e.created_at)  # type: ignore[attr-defined]
        if e.kind in (EventKind.REPLIED, EventKind.NOTE):
            e.excerpt = truncatechars(e.after, 60)  # type: ignore[attr-defined]
        e.before_label = event_value(e.kind, e.before, statuses)  # type: ignore[attr-defined]
        e.after_label = event_value(e.kind, e.after, statuses)  # type: ignore[attr-defined]
    return events
