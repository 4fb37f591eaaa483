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
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

from django.utils import formats, timezone
from django.utils.translation import get_language, gettext

from destek.accounts.models import User
from destek.desk.customer_history import (
    HISTORY_SOURCES,
    OPEN_TICKETS_LIMIT,
    Exclude,
    HistoryItem,
    customer_history,
    customer_tickets,
    labels,
    present_tickets,
    ticket_rows,
    ticket_source,
    ticket_source_from,
)
from destek.desk.formatting import DayFormatter, fixed_url
from destek.feedback.selectors import RatingSummary, customer_rating_summary
from destek.hosting.models import (
    BILLED_STATUSES,
    ControlPanel,
    ServiceKind,
    ServiceStatus,
    Tier,
)
from destek.hosting.selectors import base_currency, service_rows_for_customer, value_row_of

SERVICES_SHOWN = 5  # services listed in the panel (after the one the ticket is about)
SERVICE_CHOICES = 200  # services the select of the ticket's service offers
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
    renewal_class: str
    renewal_note: str  # "(overdue)", "(due soon)" or ""
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
class PanelWords:
    """The panel's fixed words in the current language (looked up once per page)."""

    subject: str
    plan_title: str
    server_title: str
    renewal: str
    overdue: str
    due_soon: str
    control_panel: str


@dataclass(frozen=True, slots=True)
class CustomerPanel:
    customer_id: int
    words: PanelWords
    link_target: str  # "_blank" beside a chat (the console stays open), else "_self"
    ticket_service: ServiceView | None  # the service the ticket or chat is about
    # That service first (is_subject), then the others, live first, at most SERVICES_SHOWN.
    services: list[ServiceView]
    more_services: bool  # the customer has more services than the panel lists
    tier: str
    tier_label: str
    tier_badge: str
    monthly_value: str  # "1.234,50 TRY" in the reader's format; "" when never priced
    customer_since: str
    open_tickets: list[HistoryItem]
    history: list[HistoryItem]
    # Satisfaction: how many ratings, their average, the last few (one query).
    ratings: RatingSummary | None = None
    at_risk: bool = False  # an open recovery (destek.feedback): "At risk" on every sidebar


def _words(beside: str) -> PanelWords:
    return _words_in(beside, get_language())


@lru_cache(maxsize=64)
def _words_in(beside: str, language: str | None) -> PanelWords:
    """Translated once per process and language (as `customer_history.labels`)."""
    return PanelWords(
        subject=(gettext("This chat is about:") if beside == "chat"
                 else gettext("This ticket is about:")),
        plan_title=gettext("Tickets about this plan"),
        server_title=gettext("Tickets about this server"),
        renewal=gettext("Renewal"), overdue=f"({gettext('overdue')})",
        due_soon=f"({gettext('due soon')})", control_panel=gettext("Control panel"))


def _renewal(renews_on: date | None, status: str, today: date) -> str:
    if renews_on is None or status not in BILLED_STATUSES:
        return ""
    if renews_on < today:
        return "past"
    return "soon" if renews_on - today <= RENEWAL_WARNING else ""


RENEWAL_CLASSES = {"past": "text-danger fw-semibold", "soon": "text-warning-emphasis fw-semibold"}


@dataclass(frozen=True, slots=True)
class _Page:
    """What every service of one panel shares: today, the labels, the queue's address."""

    today: date
    queue: str
    day: DayFormatter  # a date as SHORT_DATE_FORMAT prints it
    words: PanelWords
    kinds: dict[str, str]
    statuses: dict[str, str]
    panels: dict[str, str]


def present_service(row: Mapping[str, Any], page: _Page,
                    subject_id: int | None = None) -> ServiceView:
    kind, status = row["kind"], row["status"]
    plan, domain, server = row["plan"], row["domain"], row["server"]
    renews_on: date | None = row["renews_on"]
    url = row["control_panel_url"] or ""
    renewal = _renewal(renews_on, status, page.today)
    kind_label = page.kinds.get(kind, kind)
    return ServiceView(
        pk=row["id"], label=domain or plan or kind_label, kind_label=kind_label, plan=plan,
        status=status, status_label=page.statuses.get(status, status),
        status_badge=SERVICE_BADGES.get(status, "text-bg-secondary"),
        domain=domain, server=server, datacenter=row["datacenter"],
        renews_label=page.day(renews_on) if renews_on else "",
        renews_iso=renews_on.isoformat() if renews_on else "",
        renewal=renewal, renewal_class=RENEWAL_CLASSES.get(renewal, ""),
        renewal_note=(page.words.overdue if renewal == "past"
                      else page.words.due_soon if renewal == "soon" else ""),
        panel_label=page.panels.get(row["control_panel"] or "", "") or page.words.control_panel,
        panel_url=url if url.startswith(("https://", "http://")) else "",
        # What urlencode({"server": server}) writes, without its generality.
        server_url=f"{page.queue}?server={quote_plus(server)}" if server else "",
        plan_url=f"{page.queue}?plan={quote_plus(plan)}" if plan else "",
        is_subject=subject_id is not None and row["id"] == subject_id,
    )


def _money(amount: object, currency: object) -> str:
    if not isinstance(amount, Decimal):
        return ""
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} " \
           f"{currency or 'USD'}"


def _page(beside: str = "ticket") -> _Page:
    return _Page(today=timezone.localdate(), queue=fixed_url("desk:queue"),
                 day=DayFormatter("SHORT_DATE_FORMAT"), words=_words(beside),
                 kinds=labels(ServiceKind), statuses=labels(ServiceStatus),
                 panels=labels(ControlPanel))


def customer_panel(*, actor: User, customer: User, service_id: int | None = None,
                   exclude: Exclude | None = None, beside: str = "ticket") -> CustomerPanel:
    """The panel for `actor` (whose ticket and chat access bound the lists) about
    `customer`; `service_id`: the service the ticket or chat is about; `beside`: "ticket"
    or "chat", what the panel stands next to."""
    exclude = exclude or Exclude()
    page = _page(beside)
    # The ticket's service, the ones listed, and one more to know whether there are more.
    rows = service_rows_for_customer(customer, first_id=service_id, limit=SERVICES_SHOWN + 2)
    views = [present_service(r, page, service_id) for r in rows]
    about = views[0] if views and views[0].is_subject else None
    others = views[1:] if about else views
    value = value_row_of(customer)
    # The customer's tickets built once for the open ones and the history (two reads).
    tickets = customer_tickets(actor, customer)
    history_sources = tuple(ticket_source_from(tickets) if source is ticket_source else source
                            for source in HISTORY_SOURCES)
    tier = value["tier"] if value else Tier.STANDARD
    since = value["customer_since"] if value else None
    return CustomerPanel(
        customer_id=customer.pk, words=page.words,
        link_target="_blank" if beside == "chat" else "_self",
        ticket_service=about,
        services=([about] if about else []) + others[:SERVICES_SHOWN],
        more_services=len(others) > SERVICES_SHOWN,
        tier=tier, tier_label=labels(Tier).get(tier, tier),
        tier_badge=TIER_BADGES.get(tier, "text-bg-light border"),
        monthly_value=_money(value["monthly_value"], base_currency()) if value else "",
        customer_since=page.day(since) if since else "",
        open_tickets=present_tickets(ticket_rows(actor, customer, exclude_id=exclude.ticket_id,
                                                 limit=OPEN_TICKETS_LIMIT, open_only=True,
                                                 rows=tickets)),
        history=customer_history(actor=actor, customer=customer, exclude=exclude,
                                 sources=history_sources),
        ratings=(ratings := customer_rating_summary(customer.pk)),
        at_risk=ratings.at_risk,  # in the ratings' query
    )


def service_choices(*, customer: User, service_id: int | None) -> list[ServiceChoice]:
    """The select of a ticket's service (loaded when the agent asks to change it): the
    customer's services, own and organization's, the current one first; one query."""
    kinds = labels(ServiceKind)
    return [ServiceChoice(value=str(r["id"]),
                          label=f"{r['domain'] or r['plan'] or kinds.get(r['kind'], '')} · "
                                f"{kinds.get(r['kind'], r['kind'])}",
                          selected=r["id"] == service_id)
            for r in service_rows_for_customer(customer, first_id=service_id,
                                               limit=SERVICE_CHOICES)]
