"""The customer panel beside a ticket or a chat: who the customer is to the hosting company.

Their services (status, plan, kind, domain, server and datacenter, renewal date, control
panel), the service the ticket or chat is about at the top, their value tier and monthly
value, their open tickets and their recent history across every channel
(`customer_history`). A fixed number of queries whatever the customer owns or wrote:
services, value, open tickets, and one per history source.

The server and the plan link to the queue filtered by them (`?server=`, `?plan=`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext

from destek.accounts.models import User
from destek.desk.customer_history import (
    OPEN_TICKETS_LIMIT,
    Exclude,
    HistoryItem,
    customer_history,
    present_tickets,
    ticket_rows,
)
from destek.hosting.models import (
    BILLED_STATUSES,
    ControlPanel,
    ServiceKind,
    ServiceStatus,
    Tier,
)
from destek.hosting.selectors import service_rows_for_customer, value_row_of

SERVICES_SHOWN = 8  # services listed in the panel; the select offers up to SERVICE_CHOICES
SERVICE_CHOICES = 50
RENEWAL_WARNING = timedelta(days=14)

SERVICE_BADGES: dict[str, str] = {ServiceStatus.ACTIVE: "text-bg-success",
                  ServiceStatus.SUSPENDED: "text-bg-danger",
                  ServiceStatus.CANCELLED: "text-bg-secondary",
                  ServiceStatus.PENDING: "text-bg-warning"}
TIER_BADGES: dict[str, str] = {Tier.STANDARD: "text-bg-light border", Tier.PLUS: "text-bg-info",
               Tier.KEY: "text-bg-warning"}


@dataclass(frozen=True, slots=True)
class ServiceView:
    pk: int
    label: str  # the domain, else the plan, else the kind
    kind_label: str
    plan: str
    status: str
    status_label: str
    status_badge: str
    domain: str
    server: str
    datacenter: str
    renews_label: str
    renews_iso: str
    renewal: str  # "", "soon" (within 14 days) or "past": the date is highlighted
    panel_label: str
    panel_url: str  # http(s) only
    server_url: str  # the queue filtered by this server
    plan_url: str  # the queue filtered by this plan
    is_subject: bool = False  # the service the ticket or chat is about (shown first)


@dataclass(frozen=True, slots=True)
class ServiceChoice:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True, slots=True)
class CustomerPanel:
    customer_id: int
    subject_label: str  # "This ticket is about:" / "This chat is about:"
    link_target: str  # "_blank" beside a chat (the console stays open), else ""
    ticket_service: ServiceView | None  # the service the ticket or chat is about
    # That service first (is_subject), then the others, live first, at most SERVICES_SHOWN.
    services: list[ServiceView]
    more_services: int  # how many more the panel leaves out (among the SERVICE_CHOICES read)
    more_than_read: bool  # the customer has more than SERVICE_CHOICES services
    tier: str
    tier_label: str
    tier_badge: str
    monthly_value: str  # "1.234,50 TRY" in the reader's format; "" when never priced
    customer_since: str
    open_tickets: list[HistoryItem]
    history: list[HistoryItem]
    service_choices: list[ServiceChoice] = field(default_factory=list)


def _renewal(renews_on: date | None, status: str, today: date) -> str:
    if renews_on is None or status not in BILLED_STATUSES:
        return ""
    if renews_on < today:
        return "past"
    return "soon" if renews_on - today <= RENEWAL_WARNING else ""


def _queue_url(base: str, **params: str) -> str:
    return f"{base}?{urlencode(params)}"


def present_service(row: Mapping[str, Any], *, today: date, queue: str,
                    kinds: dict[str, str], statuses: dict[str, str],
                    panels: dict[str, str], subject_id: int | None = None) -> ServiceView:
    kind, status = str(row["kind"]), str(row["status"])
    plan, domain, server = str(row["plan"]), str(row["domain"]), str(row["server"])
    renews_on = row["renews_on"]
    assert renews_on is None or isinstance(renews_on, date)
    url = str(row["control_panel_url"] or "")
    panel = str(row["control_panel"] or "")
    return ServiceView(
        pk=int(row["id"]),
        label=domain or plan or kinds.get(kind, kind),
        kind_label=kinds.get(kind, kind), plan=plan, status=status,
        status_label=statuses.get(status, status),
        status_badge=SERVICE_BADGES.get(status, "text-bg-secondary"),
        domain=domain, server=server, datacenter=str(row["datacenter"]),
        renews_label=formats.date_format(renews_on, "SHORT_DATE_FORMAT") if renews_on else "",
        renews_iso=renews_on.isoformat() if renews_on else "",
        renewal=_renewal(renews_on, status, today),
        panel_label=panels.get(panel, "") if panel else "",
        panel_url=url if url.startswith(("https://", "http://")) else "",
        server_url=_queue_url(queue, server=server) if server else "",
        plan_url=_queue_url(queue, plan=plan) if plan else "",
        is_subject=subject_id is not None and row["id"] == subject_id,
    )


def _money(amount: object, currency: object) -> str:
    if not isinstance(amount, Decimal):
        return ""
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} " \
           f"{currency or 'USD'}"


def customer_panel(*, actor: User, customer: User, service_id: int | None = None,
                   exclude: Exclude | None = None, beside: str = "ticket") -> CustomerPanel:
    """The panel for `actor` (whose ticket and chat access bound the lists) about
    `customer`; `service_id`: the service the ticket or chat is about; `beside`: "ticket"
    or "chat", what the panel stands next to."""
    exclude = exclude or Exclude()
    today = timezone.localdate()
    queue = reverse("desk:queue")
    kinds = {str(value): str(label) for value, label in ServiceKind.choices}
    statuses = {str(value): str(label) for value, label in ServiceStatus.choices}
    panels = {str(value): str(label) for value, label in ControlPanel.choices}
    rows = service_rows_for_customer(customer, first_id=service_id, limit=SERVICE_CHOICES + 1)
    more_than_read = len(rows) > SERVICE_CHOICES
    rows = rows[:SERVICE_CHOICES]
    views = [present_service(r, today=today, queue=queue, kinds=kinds, statuses=statuses,
                             panels=panels, subject_id=service_id) for r in rows]
    about = views[0] if views and views[0].is_subject else None
    others = views[1:] if about else views
    value = value_row_of(customer)
    tier = str(value["tier"]) if value else Tier.STANDARD
    tiers = {str(value): str(label) for value, label in Tier.choices}
    since = value["customer_since"] if value else None
    return CustomerPanel(
        customer_id=customer.pk,
        subject_label=(gettext("This chat is about:") if beside == "chat"
                       else gettext("This ticket is about:")),
        link_target="_blank" if beside == "chat" else "",
        ticket_service=about,
        services=([about] if about else []) + others[:SERVICES_SHOWN],
        more_services=max(0, len(others) - SERVICES_SHOWN),
        more_than_read=more_than_read,
        tier=tier, tier_label=tiers.get(tier, tier),
        tier_badge=TIER_BADGES.get(tier, "text-bg-light border"),
        monthly_value=_money(value["monthly_value"], value["base_currency"]) if value else "",
        customer_since=(formats.date_format(since, "SHORT_DATE_FORMAT")
                        if isinstance(since, date) else ""),
        open_tickets=present_tickets(ticket_rows(actor, customer, exclude_id=exclude.ticket_id,
                                                 limit=OPEN_TICKETS_LIMIT, open_only=True)),
        history=customer_history(actor=actor, customer=customer, exclude=exclude),
        service_choices=[ServiceChoice(value=str(v.pk), label=f"{v.label} · {v.kind_label}",
                                       selected=v.pk == service_id) for v in views],
    )
