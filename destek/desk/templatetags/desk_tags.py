"""Presentation helpers for desk templates: colours and labels, no queries, no business logic."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape as _esc

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from destek.accounts.models import Department
from destek.desk.customer_panel import CustomerPanel, ServiceView
from destek.desk.presenters import Choice
from destek.tickets import web as badges
from destek.tickets.models import EventKind, Status, format_reference

register = template.Library()

@register.filter
def priority_badge(value: int) -> str:
    return badges.priority_badge(value)


@register.filter
def status_badge(value: str) -> str:
    return badges.status_badge(value)


@register.filter
def localized(department: Department | None) -> str:
    """A department's name in the page's language (Turkish name when there is one)."""
    return department.localized_name(get_language()) if department is not None else ""


@register.filter
def status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


@register.simple_tag
def event_value(kind: str, value: str) -> str:
    """History stores status codes; show them as the labels agents know."""
    if kind == EventKind.STATUS:
        return status_label(value)
    return value


@register.filter
def reference(pk: int | None) -> str:
    """T-100042 from a primary key, without loading the ticket."""
    return format_reference(pk)


@register.simple_tag
def options(choices: Iterable[Choice]) -> SafeString:
    """The `<option>`s of a select from `presenters.choices()`, values and labels escaped.

    One tag instead of a template loop: a page has about eighty options, and three variable
    lookups and an `{% if %}` per option cost more than the rest of the filter bar.
    """
    return mark_safe("".join(  # every value and label below is escaped
        f'<option value="{escape(c["value"])}"{" selected" if c["selected"] else ""}>'
        f'{escape(c["label"])}</option>'
        for c in choices
    ))


@register.simple_tag
def customer_services(panel: CustomerPanel) -> SafeString:
    """The `<li>`s of the customer panel's services (`desk/_customer_panel.html`), every
    value escaped, as the template loop wrote them.

    One tag instead of a template loop: about twenty variables and eight `{% if %}`s per
    service made the list 70 % of the panel template's CPU (0.47 of 0.65 ms a view, six
    services; bench/README.md "Ticket view with the customer's services"). `_esc` is the
    standard library's `html.escape`, which Django's `escape` calls, without its lazy-string
    wrapper (about 25 values a service)."""
    if not panel.services:
        return mark_safe(  # a fixed word, escaped
            f'\n      <li class="text-body-secondary">{_esc(gettext("No services."))}</li>\n    ')
    words, target = panel.words, _esc(panel.link_target)
    plan_title, server_title = _esc(words.plan_title), _esc(words.server_title)
    subject, renewal = _esc(words.subject), _esc(words.renewal)
    return mark_safe("".join(  # every value below is escaped
        _service_item(s, target, plan_title, server_title, subject, renewal)
        for s in panel.services))


def _service_item(s: ServiceView, target: str, plan_title: str, server_title: str,
                  subject: str, renewal: str) -> str:
    if s.is_subject:
        head = (f'<li class="mb-2 p-2 border rounded bg-body-tertiary" data-testid="ticket-service"'
                f' data-service-id="{s.pk}"><div class="text-body-secondary">{subject}</div>')
    else:
        head = f'<li class="mb-2" data-testid="service" data-service-id="{s.pk}">'
    where = ""
    if s.plan:
        where += (f'<a href="{_esc(s.plan_url)}" target="{target}" data-testid="service-plan"'
                  f' title="{plan_title}">{_esc(s.plan)}</a>')
    if s.server:
        where += (f' · <a href="{_esc(s.server_url)}" target="{target}"'
                  f' data-testid="service-server" title="{server_title}">{_esc(s.server)}</a>')
    if s.datacenter:
        where += f' <span class="text-body-secondary">· {_esc(s.datacenter)}</span>'
    dates = ""
    if s.renews_label:
        dates += (f'<span data-testid="service-renewal" data-renewal="{_esc(s.renewal)}"'
                  f' class="{_esc(s.renewal_class)}">{renewal}: <time'
                  f' datetime="{_esc(s.renews_iso)}">{_esc(s.renews_label)}</time>'
                  f' {_esc(s.renewal_note)}</span>')
    if s.panel_url:
        dates += (f' · <a href="{_esc(s.panel_url)}" target="_blank" rel="noopener noreferrer"'
                  f' data-testid="service-panel-link">{_esc(s.panel_label)}</a>')
    return (f"\n      {head}\n        <div><span class=\"badge {_esc(s.status_badge)}\""
            f' data-testid="service-status">{_esc(s.status_label)}</span>'
            f" <strong>{_esc(s.label)}</strong>"
            f' <span class="text-body-secondary">{_esc(s.kind_label)}</span></div>'
            f"\n        <div>{where}</div>\n        <div>{dates}</div>\n      </li>\n    ")
