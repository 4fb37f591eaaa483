"""Settings → Webhooks: only administrators open it; the form saves through the webhooks
services and shows a refused (private) URL on its field; a new or rotated secret is shown once;
the delivery log pages by keyset; redeliver, send a test event and re-enable act on the right
rows; the list and the log cost the same number of queries for 1 and 20 rows.

The services are `destek.webhooks.services` and `guard.check_url` when the tree has them;
otherwise `stand_ins` below, which write what the real ones would."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role
from destek.webhooks.models import Delivery, DeliveryState, Endpoint, EventType

pytestmark = pytest.mark.django_db

PUBLIC = "https://93.184.215.14/destek-hook"  # a literal public address: no DNS in the test
PRIVATE = "http://10.0.0.5/hook"


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(AgentFactory(role=Role.ADMIN, full_name="Ayşe Yönetici"))
    return client


def endpoint(**fields: Any) -> Endpoint:
    values: dict[str, Any] = {"name": "Billing", "kind": "webhook", "url": PUBLIC,
                              "events": [EventType.TICKET_CREATED.value]}
    values.update(fields)
    return Endpoint.objects.create(**values)


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "Billing system", "kind": "webhook", "url": PUBLIC,
                            "events": ["ticket.created", "sla.breach"], "is_active": "on"}
    data.update(changes)
    return data


# --- who may open it ----------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.OUTSOURCED])
def test_only_admins_open_webhooks(client, role):
    hook = endpoint()
    delivery = Delivery.objects.create(endpoint=hook, event_type="ticket.created", payload={})
    client.force_login(AgentFactory(role=role))
    for url in (reverse("settings:webhooks"), reverse("settings:webhook_add"),
                reverse("settings:webhook_edit", args=[hook.pk]),
                reverse("settings:webhook_deliveries", args=[hook.pk]),
                reverse("settings:webhook_delete", args=[hook.pk])):
        assert client.get(url).status_code == 404, url
    for url in (reverse("settings:webhook_add"),
                reverse("settings:webhook_edit", args=[hook.pk]),
                reverse("settings:webhook_delete", args=[hook.pk]),
                reverse("settings:webhook_send_test", args=[hook.pk]),
                reverse("settings:webhook_enable", args=[hook.pk]),
                reverse("settings:webhook_rotate_secret", args=[hook.pk]),
                reverse("settings:webhook_redeliver", args=[hook.pk, delivery.pk])):
        assert client.post(url, form_data(url=PUBLIC)).status_code == 404, url
    hook.refresh_from_db()
    assert hook.name == "Billing" and Delivery.objects.count() == 1
    page = client.get(reverse("settings:index"))
    assert b"settings-nav-webhooks" not in page.content


def test_customers_get_404(customer_client):
    hook = endpoint()
    assert customer_client.get(reverse("settings:webhooks")).status_code == 404
    assert customer_client.get(
        reverse("settings:webhook_deliveries", args=[hook.pk])).status_code == 404


def test_the_section_is_listed_for_admins(admin_client):
    page = admin_client.get(reverse("settings:index")).content.decode()
    assert reverse("settings:webhooks") in page


# --- the form -----------------------------------------------------------------------------------

def test_admin_adds_a_webhook_and_sees_its_secret_once(admin_client):
    response = admin_client.post(reverse("settings:webhook_add"), form_data())
    hook = Endpoint.objects.get(name="Billing system")
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:webhook_edit", args=[hook.pk])
    assert (hook.kind, hook.url, hook.is_active) == ("webhook", PUBLIC, True)
    assert sorted(hook.events) == ["sla.breach", "ticket.created"]
    first = admin_client.get(response["Location"]).content.decode()
    assert 'data-testid="webhook-secret"' in first and "docs/webhooks.md" in first
    secret = first.split('data-testid="webhook-secret">', 1)[1].split("<", 1)[0]
    assert len(secret) >= 16
    again = admin_client.get(response["Location"]).content.decode()
    assert secret not in again and 'data-testid="webhook-secret"' not in again
    # The secret crossed the redirect sealed, never as plain text in the session.
    assert secret not in str(dict(admin_client.session))


def test_a_private_url_is_refused_on_the_url_field(admin_client):
    response = admin_client.post(reverse("settings:webhook_add"), form_data(url=PRIVATE))
    assert response.status_code == 400
    assert response.context["form"].errors["url"]
    page = response.content.decode()
    assert 'data-testid="error-url"' in page
    assert re.search(r'<input[^>]*name="url"[^>]*class="[^"]*is-invalid', page)
    assert not Endpoint.objects.exists()


def test_a_webhook_needs_an_event_but_a_chat_room_may_have_none(admin_client):
    response = admin_client.post(reverse("settings:webhook_add"), form_data(events=[]))
    assert response.status_code == 400 and response.context["form"].errors["events"]
    response = admin_client.post(reverse("settings:webhook_add"),
                                 form_data(name="#support", kind="slack", events=[]))
    assert response.status_code == 302
    room = Endpoint.objects.get(name="#support")
    assert room.events == [] and room.kind == "slack"
    page = admin_client.get(response["Location"]).content.decode()
    assert 'data-testid="webhook-secret"' not in page  # chat rooms are not signed
    assert 'data-testid="webhook-rotate-secret"' not in page


def test_the_test_event_is_not_offered_as_a_subscription(admin_client):
    page = admin_client.get(reverse("settings:webhook_add")).content.decode()
    assert 'value="ticket.created"' in page and 'value="webhook.test"' not in page
    response = admin_client.post(reverse("settings:webhook_add"),
                                 form_data(events=["webhook.test"]))
    assert response.status_code == 400


def test_editing_saves_the_changed_fields(admin_client):
    hook = endpoint()
    url = reverse("settings:webhook_edit", args=[hook.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'value="Billing"' in page.content.decode()
    response = admin_client.post(url, form_data(name="Billing v2", events=["chat.ended"],
                                                is_active=""))
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.name, hook.events, hook.is_active) == ("Billing v2", ["chat.ended"], False)
    refused = admin_client.post(url, form_data(url="http://127.0.0.1:9/x"))
    assert refused.status_code == 400 and refused.context["form"].errors["url"]
    hook.refresh_from_db()
    assert hook.url == PUBLIC


def test_rotating_shows_a_new_secret_once(admin_client):
    hook = endpoint()
    response = admin_client.post(reverse("settings:webhook_rotate_secret", args=[hook.pk]))
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert 'data-testid="webhook-secret"' in page
    assert 'data-testid="webhook-secret"' not in admin_client.get(
        response["Location"]).content.decode()


def test_delete_asks_first(admin_client):
    hook = endpoint()
    url = reverse("settings:webhook_delete", args=[hook.pk])
    assert admin_client.get(url).status_code == 200
    assert Endpoint.objects.filter(pk=hook.pk).exists()
    assert admin_client.post(url)["Location"] == reverse("settings:webhooks")
    assert not Endpoint.objects.filter(pk=hook.pk).exists()


# --- the list -----------------------------------------------------------------------------------

def test_the_list_shows_state_host_events_and_last_code(admin_client):
    ok = endpoint(name="Billing", url="https://93.184.215.14:8443/in")
    since = timezone.now() - timedelta(hours=2)
    broken = endpoint(name="CRM", kind="teams", url="https://crm.example.net/hook", events=[],
                      is_active=False, disabled_at=since, consecutive_failures=12,
                      disabled_reason="HTTP 500 twelve times")
    Delivery.objects.create(endpoint=ok, event_type="ticket.created", payload={},
                            state=DeliveryState.DELIVERED, last_status_code=204, attempts=1,
                            last_attempt_at=timezone.now())
    Delivery.objects.create(endpoint=ok, event_type="ticket.created", payload={},
                            created_at=timezone.now() + timedelta(seconds=1))  # not tried yet
    page = admin_client.get(reverse("settings:webhooks")).content.decode()
    billing, crm = page.split('data-testid="webhook-row"')[1:3]
    assert "93.184.215.14" in billing and "/in" not in billing and "204" in billing
    assert "Ticket created" in billing and "Active" in billing
    assert "crm.example.net" in crm and "Microsoft Teams" in crm and "Disabled" in crm
    assert "HTTP 500 twelve times" in crm and "12 failures in a row" in crm
    assert "None (triggers only)" in crm
    assert broken.pk and ok.pk


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_for_1_and_20_endpoints(admin_client):
    url = reverse("settings:webhooks")
    hook = endpoint(name="hook-00")
    Delivery.objects.create(endpoint=hook, event_type="ticket.created", payload={},
                            last_status_code=200, last_attempt_at=timezone.now())
    _count(admin_client, url)  # warm the session and the caches
    one = _count(admin_client, url)
    for i in range(1, 20):
        more = endpoint(name=f"hook-{i:02}", kind="slack" if i % 2 else "webhook",
                        is_active=bool(i % 3), disabled_at=None if i % 3 else timezone.now())
        Delivery.objects.create(endpoint=more, event_type="ticket.created", payload={},
                                last_status_code=500, last_attempt_at=timezone.now())
    page = admin_client.get(url).content.decode()
    assert page.count('data-testid="webhook-row"') == 20
    assert _count(admin_client, url) == one


# --- the delivery log ---------------------------------------------------------------------------

def _deliveries(hook: Endpoint, count: int, start: int = 0) -> list[Delivery]:
    base = timezone.now() - timedelta(hours=1)
    return [Delivery.objects.create(
        endpoint=hook, event_type="ticket.created", payload={"n": i}, attempts=2,
        state=DeliveryState.RETRYING if i % 2 else DeliveryState.DELIVERED,
        last_status_code=503 if i % 2 else 200, last_error="Service Unavailable" * (i % 2),
        created_at=base + timedelta(seconds=i)) for i in range(start, start + count)]


def test_the_log_pages_newest_first_by_keyset(admin_client):
    hook = endpoint()
    other = endpoint(name="Other")
    rows = _deliveries(hook, 30)
    _deliveries(other, 3)
    url = reverse("settings:webhook_deliveries", args=[hook.pk])
    first = admin_client.get(url)
    shown = [d.pk for d in first.context["deliveries"]]
    assert shown == [d.pk for d in reversed(rows)][:25]
    cursor = first.context["next_cursor"]
    assert cursor and 'data-testid="delivery-older"' in first.content.decode()
    second = admin_client.get(url, {"after": cursor})
    assert [d.pk for d in second.context["deliveries"]] == [d.pk for d in reversed(rows)][25:]
    assert second.context["next_cursor"] is None
    page = first.content.decode()
    assert "503" in page and "Service Unavailable" in page and str(rows[-1].event_id) in page
    assert "Ticket created" in page


def test_the_log_costs_the_same_for_1_and_20_deliveries(admin_client):
    hook = endpoint()
    url = reverse("settings:webhook_deliveries", args=[hook.pk])
    _deliveries(hook, 1)
    _count(admin_client, url)
    one = _count(admin_client, url)
    _deliveries(hook, 19, start=1)
    assert admin_client.get(url).content.decode().count('data-testid="delivery-row"') == 20
    assert _count(admin_client, url) == one


def test_redeliver_acts_on_the_endpoints_own_delivery_only(admin_client):
    hook = endpoint()
    other = endpoint(name="Other")
    failed = Delivery.objects.create(endpoint=hook, event_type="ticket.created", payload={},
                                     state=DeliveryState.FAILED, attempts=8,
                                     last_status_code=500)
    foreign = Delivery.objects.create(endpoint=other, event_type="ticket.created", payload={},
                                      state=DeliveryState.FAILED)
    response = admin_client.post(reverse("settings:webhook_redeliver",
                                         args=[hook.pk, failed.pk]))
    assert response["Location"] == reverse("settings:webhook_deliveries", args=[hook.pk])
    failed.refresh_from_db()
    assert failed.state == DeliveryState.PENDING
    assert admin_client.post(reverse("settings:webhook_redeliver",
                                     args=[hook.pk, foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.state == DeliveryState.FAILED


def test_send_a_test_event_from_the_log(admin_client):
    hook = endpoint()
    response = admin_client.post(reverse("settings:webhook_send_test", args=[hook.pk]),
                                 {"back": "log"})
    assert response["Location"] == reverse("settings:webhook_deliveries", args=[hook.pk])
    test = Delivery.objects.get(endpoint=hook)
    assert test.event_type == EventType.TEST
    page = admin_client.get(response["Location"]).content.decode()
    assert "Test event" in page and str(test.event_id) in page


def test_re_enable_a_disabled_endpoint(admin_client):
    hook = endpoint(is_active=False, disabled_at=timezone.now(), consecutive_failures=15,
                    disabled_reason="HTTP 500")
    page = admin_client.get(reverse("settings:webhook_edit", args=[hook.pk])).content.decode()
    assert 'data-testid="webhook-enable"' in page
    response = admin_client.post(reverse("settings:webhook_enable", args=[hook.pk]))
    assert response["Location"] == reverse("settings:webhook_edit", args=[hook.pk])
    hook.refresh_from_db()
    assert hook.is_active and hook.disabled_at is None and hook.consecutive_failures == 0
