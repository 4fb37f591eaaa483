"""Webhook subscribers: a signed POST per update, retried with backoff, never to private
addresses, never following redirects."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from destek.status import fanout_tasks as tasks
from destek.status import webhooks
from destek.status.factories import ComponentFactory
from destek.status.models import (
    Subscription,
    SubscriptionChannel,
    WebhookDelivery,
    WebhookState,
)
from destek.status.services import IncidentDraft, incident_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(monkeypatch) -> WebhookDelivery:
    monkeypatch.setattr(tasks, "enqueue_webhook", lambda pk: None)  # the tests send by hand
    component = ComponentFactory(slug="web-07", name="Web-07")
    hook = Subscription.objects.create(channel=SubscriptionChannel.WEBHOOK,
                                       webhook_url="https://hooks.example.net/destek")
    hook.components.set([component])
    incident = incident_create(actor=None, draft=IncidentDraft(
        title="Down", title_tr="Çöktü", body="Looking", components=[component]))
    tasks.fanout_step(incident.updates.get().pk, 0)
    return WebhookDelivery.objects.get()


@pytest.fixture
def public_dns(monkeypatch) -> None:
    monkeypatch.setattr(webhooks.socket, "getaddrinfo",
                        lambda host, port, **kw: [(2, 1, 6, "", ("93.184.216.34", port))])


def _answer(monkeypatch, status: int, seen: list[httpx.Request] | None = None) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, headers={"Location": "http://127.0.0.1/"})
    monkeypatch.setattr(webhooks, "TRANSPORT", httpx.MockTransport(handler))


def test_the_post_is_signed_with_the_subscriptions_secret(delivery, monkeypatch, public_dns):
    seen: list[httpx.Request] = []
    _answer(monkeypatch, 204, seen)
    assert webhooks.deliver(delivery.pk) == "sent"
    (request,) = seen
    body = request.content
    expected = hmac.new(delivery.subscription.secret.encode(), body, hashlib.sha256).hexdigest()
    assert request.headers["X-Destek-Signature"] == f"sha256={expected}"
    assert request.headers["X-Destek-Event"] == "incident.update"
    assert request.headers["X-Destek-Delivery"] == str(delivery.pk)
    assert request.headers["X-Destek-Timestamp"].isdigit()
    payload = json.loads(body)
    assert payload["incident"]["title"] == {"en": "Down", "tr": "Çöktü"}
    assert payload["incident"]["components"] == [{"slug": "web-07",
                                                  "name": {"en": "Web-07", "tr": "Web-07"}}]
    assert payload["update"]["text"]["en"] == "Looking"
    assert payload["incident"]["url"].endswith(f"/status/incidents/{payload['incident']['id']}/")
    delivery.refresh_from_db()
    assert delivery.status == WebhookState.SENT and delivery.response_status == 204
    assert webhooks.deliver(delivery.pk) == "skipped"  # sent once
    assert len(seen) == 1


def test_a_server_error_is_retried_later_and_a_redirect_is_not_followed(
        delivery, monkeypatch, public_dns):
    _answer(monkeypatch, 503)
    assert webhooks.deliver(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.next_attempt_at > timezone.now()
    assert webhooks.deliver(delivery.pk) == "skipped"  # not due yet
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert webhooks.sweep() == [delivery.pk]
    seen: list[httpx.Request] = []
    _answer(monkeypatch, 302, seen)
    assert webhooks.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "redirects are not followed" in delivery.last_error
    assert [str(r.url) for r in seen] == ["https://hooks.example.net/destek"]


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254",
                                     "::1", "fd00::1"])
def test_private_addresses_are_refused(delivery, monkeypatch, settings, address):
    settings.DEBUG = False
    monkeypatch.setattr(webhooks.socket, "getaddrinfo",
                        lambda host, port, **kw: [(2, 1, 6, "", (address, port))])
    seen: list[httpx.Request] = []
    _answer(monkeypatch, 200, seen)
    assert webhooks.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "non-public address" in delivery.last_error
    assert seen == []


def test_private_addresses_are_allowed_when_configured(settings):
    settings.DESTEK_STATUS_WEBHOOK_ALLOW_PRIVATE = True
    webhooks.check_url("http://127.0.0.1:9000/hook")
    settings.DESTEK_STATUS_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(webhooks.UnsafeURL):
        webhooks.check_url("http://127.0.0.1:9000/hook")
    with pytest.raises(webhooks.UnsafeURL):
        webhooks.check_url("file:///etc/passwd")
