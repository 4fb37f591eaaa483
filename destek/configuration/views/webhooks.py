"""Settings → Webhooks (admins): signed webhooks and chat rooms (Slack, Teams, Mattermost),
each endpoint's delivery log with its response codes, redelivery, a test event, re-enabling an
endpoint the workers disabled, and the signing secret shown once.

The writes are `destek.webhooks.services`' (audited there; they check the URL with
`guard.check_url`); this module is the page. A new or rotated secret crosses the redirect
sealed in the session and is popped by the page that shows it: reloading the page hides it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from destek.accounts.web import acting_user
from destek.configuration.access import settings_page
from destek.configuration.forms.styling import styled
from destek.configuration.forms.webhooks import EndpointForm
from destek.core.errors import ApplicationError
from destek.core.pagination import keyset_page
from destek.core.sealing import Unreadable, seal, unseal
from destek.webhooks import guard, services
from destek.webhooks.models import Delivery, DeliveryState, Endpoint, EndpointKind, EventType

SECTION = "webhooks"
SHOWN_ONCE = "destek.settings.webhook_secret"  # the session key
SEALED_FOR = "destek.settings.webhook-secret-once"
LOG_PAGE = 25
ERROR_EXCERPT = 160


def url_refused(form: EndpointForm, url: str) -> bool:
    """`guard.check_url`'s refusal (a private, loopback or link-local address) on the URL
    field, whatever field the service would name."""
    try:
        guard.check_url(url)
    except ApplicationError as error:
        form.add_error("url", error.message)
        styled(form, cleaned=True)  # the field's invalid mark
        return True
    return False


# --- what the pages read ------------------------------------------------------------------------

EVENT_LABELS = dict(EventType.choices)


def event_label(value: str) -> str:
    return str(EVENT_LABELS.get(value, value))


@dataclass(frozen=True)
class EndpointRow:
    pk: int
    name: str
    kind: str
    signed: bool
    host: str
    events: list[str]
    is_active: bool
    disabled_at: datetime | None
    disabled_reason: str
    failures: int
    last_code: int | None


def endpoint_row(endpoint: Endpoint) -> EndpointRow:
    return EndpointRow(
        pk=endpoint.pk, name=endpoint.name, kind=str(endpoint.get_kind_display()),
        signed=endpoint.kind == EndpointKind.WEBHOOK,
        host=urlsplit(endpoint.url).hostname or endpoint.url,
        events=[event_label(e) for e in endpoint.events], is_active=endpoint.is_active,
        disabled_at=endpoint.disabled_at, disabled_reason=endpoint.disabled_reason,
        failures=endpoint.consecutive_failures,
        last_code=getattr(endpoint, "last_code", None))


def endpoints_with_last_code() -> list[Endpoint]:
    """Every endpoint with the response code of its latest attempted delivery: one query (the
    code is a subquery on the log's index)."""
    latest = (Delivery.objects.filter(endpoint=OuterRef("pk"), last_attempt_at__isnull=False)
              .order_by("-created_at", "-id").values("last_status_code")[:1])
    return list(Endpoint.objects.annotate(last_code=Subquery(latest)).order_by("name", "id"))


@dataclass(frozen=True)
class DeliveryRow:
    pk: int
    created_at: datetime
    event_type: str
    event_id: str
    state: str
    state_label: str
    attempts: int
    code: int | None
    error: str
    next_attempt_at: datetime | None


def delivery_row(delivery: Delivery) -> DeliveryRow:
    waiting = delivery.state in (DeliveryState.PENDING, DeliveryState.RETRYING)
    error = delivery.last_error or ""
    if len(error) > ERROR_EXCERPT:
        error = error[:ERROR_EXCERPT - 1] + "…"
    return DeliveryRow(
        pk=delivery.pk, created_at=delivery.created_at, event_type=event_label(delivery.event_type),
        event_id=str(delivery.event_id), state=delivery.state,
        state_label=str(delivery.get_state_display()), attempts=delivery.attempts,
        code=delivery.last_status_code, error=error,
        next_attempt_at=delivery.next_attempt_at if waiting else None)


def _endpoint(endpoint_id: int) -> Endpoint:
    return get_object_or_404(Endpoint, pk=endpoint_id)


def _show_secret_once(request: HttpRequest, endpoint: Endpoint, secret: str) -> None:
    """Only a signed webhook's: chat rooms' messages are not signed."""
    if secret and endpoint.kind == EndpointKind.WEBHOOK:
        request.session[SHOWN_ONCE] = {"endpoint": endpoint.pk,
                                       "sealed": seal(secret, purpose=SEALED_FOR)}


def _pop_secret(request: HttpRequest, endpoint: Endpoint) -> str:
    kept = request.session.get(SHOWN_ONCE)
    if not isinstance(kept, dict) or kept.get("endpoint") != endpoint.pk:
        return ""
    del request.session[SHOWN_ONCE]
    try:
        return unseal(str(kept.get("sealed", "")), purpose=SEALED_FOR)
    except Unreadable:
        return ""


def _error_on_form(form: EndpointForm, error: ApplicationError) -> None:
    """The service's refusal on its field (a private address: the URL)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
    styled(form, cleaned=True)


# --- the list and the form ----------------------------------------------------------------------

@settings_page(SECTION)
def webhook_list(request: HttpRequest) -> HttpResponse:
    rows = [endpoint_row(e) for e in endpoints_with_last_code()]
    return render(request, "configuration/webhooks/webhook_list.html", {"rows": rows})


def _form_page(request: HttpRequest, form: EndpointForm, endpoint: Endpoint | None,
               status: int = 200, **extra: Any) -> HttpResponse:
    context = {"form": form, "endpoint": endpoint,
               "row": endpoint_row(endpoint) if endpoint else None, **extra}
    return render(request, "configuration/webhooks/webhook_form.html", context, status=status)


@settings_page(SECTION)
def webhook_add(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, EndpointForm(), None)
    form = EndpointForm(request.POST)
    if not form.is_valid() or url_refused(form, form.cleaned_data["url"]):
        return _form_page(request, form, None, status=400)
    data = form.cleaned_data
    actor = acting_user(request)
    try:
        endpoint, secret = services.endpoint_create(
            actor=actor, name=data["name"], kind=data["kind"], url=data["url"],
            events=data["events"])
        if not data["is_active"]:
            services.endpoint_disable(actor=actor, endpoint=endpoint)
    except ApplicationError as error:
        _error_on_form(form, error)
        return _form_page(request, form, None, status=400)
    _show_secret_once(request, endpoint, secret)
    messages.success(request, _("“%(name)s” was saved.") % {"name": endpoint.name})
    return redirect("settings:webhook_edit", endpoint_id=endpoint.pk)


@settings_page(SECTION)
def webhook_edit(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(endpoint_id)
    if request.method != "POST":
        return _form_page(request, EndpointForm(initial=EndpointForm.initial_for(endpoint)),
                          endpoint, secret=_pop_secret(request, endpoint))
    form = EndpointForm(request.POST)
    if not form.is_valid() or url_refused(form, form.cleaned_data["url"]):
        return _form_page(request, form, endpoint, status=400)
    changes = form.changed_fields(endpoint)
    switch = changes.pop("is_active", None)  # on and off are services of their own
    actor = acting_user(request)
    if changes or switch is not None:
        try:
            if changes:
                services.endpoint_update(actor=actor, endpoint=endpoint, **changes)
            if switch is not None:
                toggle = services.endpoint_enable if switch else services.endpoint_disable
                toggle(actor=actor, endpoint=endpoint)
        except ApplicationError as error:
            _error_on_form(form, error)
            return _form_page(request, form, endpoint, status=400)
    messages.success(request, _("“%(name)s” was saved.") % {"name": form.cleaned_data["name"]})
    return redirect("settings:webhook_edit", endpoint_id=endpoint.pk)


@settings_page(SECTION)
def webhook_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(endpoint_id)
    if request.method != "POST":
        return render(request, "configuration/webhooks/webhook_delete.html",
                      {"endpoint": endpoint})
    name = endpoint.name
    services.endpoint_delete(actor=acting_user(request), endpoint=endpoint)
    messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
    return redirect("settings:webhooks")


# --- actions on an endpoint ---------------------------------------------------------------------

def _back(request: HttpRequest, endpoint: Endpoint) -> HttpResponse:
    """To the page the button was on: the form or the delivery log."""
    name = ("settings:webhook_deliveries" if request.POST.get("back") == "log"
            else "settings:webhook_edit")
    return redirect(name, endpoint_id=endpoint.pk)


def _act(request: HttpRequest, endpoint: Endpoint, action: str, done: str) -> HttpResponse:
    try:
        getattr(services, action)(actor=acting_user(request), endpoint=endpoint)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return _back(request, endpoint)


@settings_page(SECTION)
@require_POST
def webhook_rotate_secret(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(endpoint_id)
    try:
        secret = services.rotate_secret(actor=acting_user(request), endpoint=endpoint)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        _show_secret_once(request, endpoint, secret)
        messages.success(request, _("A new signing secret was made; the old one no longer "
                                    "signs deliveries."))
    return redirect("settings:webhook_edit", endpoint_id=endpoint.pk)


@settings_page(SECTION)
@require_POST
def webhook_send_test(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    return _act(request, _endpoint(endpoint_id), "send_test",
                _("A test event is on its way; its delivery appears in the log."))


@settings_page(SECTION)
@require_POST
def webhook_enable(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    return _act(request, _endpoint(endpoint_id), "endpoint_enable",
                _("The endpoint is active again; its failure count starts from zero."))


# --- the delivery log ---------------------------------------------------------------------------

@settings_page(SECTION)
def webhook_deliveries(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(endpoint_id)
    page = keyset_page(Delivery.objects.filter(endpoint=endpoint),
                       ordering=[("created_at", True), ("id", True)],
                       cursor=request.GET.get("after"), limit=LOG_PAGE)
    return render(request, "configuration/webhooks/delivery_log.html", {
        "endpoint": endpoint, "row": endpoint_row(endpoint),
        "deliveries": [delivery_row(d) for d in page.items], "next_cursor": page.next_cursor,
        "first_page": not request.GET.get("after"),
    })


@settings_page(SECTION)
@require_POST
def delivery_redeliver(request: HttpRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    endpoint = _endpoint(endpoint_id)
    delivery = get_object_or_404(Delivery, pk=delivery_id, endpoint=endpoint)
    try:
        services.delivery_redeliver(actor=acting_user(request), delivery=delivery)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The event %(event)s will be sent again.")
                         % {"event": delivery.event_id})
    return redirect("settings:webhook_deliveries", endpoint_id=endpoint.pk)
