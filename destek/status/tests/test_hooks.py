"""Monitoring webhooks: Alertmanager, Uptime Kuma and signed JSON alerts open, update and
resolve incidents, idempotently, and only for those who hold the source's secret."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role
from destek.audit.models import Action, AuditEvent
from destek.status.factories import ComponentFactory
from destek.status.hooks import incidents as hook_incidents
from destek.status.hooks.alerts import Alert
from destek.status.models import (
    ComponentStatus,
    FanoutState,
    Impact,
    Incident,
    IncidentSource,
    IncidentState,
    MonitoringSource,
)

pytestmark = pytest.mark.django_db

SECRET = "test-secret-9f2c1e"
PAYLOADS = Path(__file__).parent / "hook_payloads"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # the failed-attempt counters


def _source(kind: str, *, secret: str = SECRET, enabled: bool = True) -> MonitoringSource:
    source = MonitoringSource(kind=kind, enabled=enabled)
    source.set_secret(secret)
    source.save()
    return source


def _payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())


def _post(client: Client, name: str, payload: Any, **headers: str) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(reverse(f"status_hooks:{name}"), data=body,
                       content_type="application/json", headers=headers)


def _am(client: Client, payload: dict[str, Any], token: str = SECRET) -> Any:
    return _post(client, "alertmanager", payload, Authorization=f"Bearer {token}")


def _resolved(payload: dict[str, Any]) -> dict[str, Any]:
    cleared = copy.deepcopy(payload)
    cleared["status"] = "resolved"
    for alert in cleared["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2026-12-07T21:03:12.084Z"
    return cleared


def _signed(client: Client, payload: Any, *, secret: str = SECRET,
            timestamp: int | None = None) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    return _post(client, "generic", body, **{"X-Destek-Timestamp": stamp,
                                             "X-Destek-Signature": f"sha256={digest.hexdigest()}"})


# Alertmanager ---------------------------------------------------------------------------

def test_an_alertmanager_alert_opens_a_draft_when_the_component_does_not_publish(
        client: Client) -> None:
    _source(IncidentSource.ALERTMANAGER)
    web07 = ComponentFactory(name="Shared hosting – web-07", name_tr="Paylaşımlı – web-07",
                             servers=["web-07.example.net"], alerts_publish=False)

    response = _am(client, _payload("alertmanager_firing.json"))

    assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert response.json() == {"ok": True, "alerts": [
        {"key": "5f1a0c9e77b2d301", "action": "created", "incident": incident.pk}]}
    assert (incident.source, incident.alert_key) == ("alertmanager", "5f1a0c9e77b2d301")
    assert not incident.is_published and incident.is_open
    assert incident.title == "Shared hosting – web-07: Node web-07 is unreachable"
    assert incident.title_tr == "Paylaşımlı – web-07: Node web-07 is unreachable"
    assert (incident.component_status, incident.impact) == (ComponentStatus.MAJOR_OUTAGE,
                                                             Impact.CRITICAL)
    assert list(incident.components.all()) == [web07]
    update = incident.updates.get()
    assert "has not answered scrapes for 2 minutes" in update.body
    assert update.body_tr.startswith("İzleme sistemimiz bir sorun bildiriyor:")
    assert update.fanout_state == FanoutState.NOT_SENT  # a draft tells no one
    web07.refresh_from_db()
    assert web07.status == ComponentStatus.OPERATIONAL


def test_an_alert_on_a_publishing_component_is_published_and_sent(
        client: Client, django_capture_on_commit_callbacks: Any) -> None:
    _source(IncidentSource.ALERTMANAGER)
    web07 = ComponentFactory(slug="web-07", alerts_publish=True)
    payload = _payload("alertmanager_firing.json")
    payload["alerts"][0]["labels"]["destek_component"] = "web-07"

    with django_capture_on_commit_callbacks() as sent:
        response = _am(client, payload)

    assert response.status_code == 200
    incident = Incident.objects.get()
    assert incident.is_published
    assert incident.updates.get().fanout_state == FanoutState.SENDING
    assert sent  # the fan-out starts once this commits
    web07.refresh_from_db()
    assert web07.status == ComponentStatus.MAJOR_OUTAGE


def test_the_same_alert_twice_adds_nothing_and_sends_nothing(
        client: Client, django_assert_num_queries: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    _source(IncidentSource.ALERTMANAGER)
    ComponentFactory(servers=["web-07.example.net"], alerts_publish=True)
    payload = _payload("alertmanager_firing.json")
    _am(client, payload)

    with django_capture_on_commit_callbacks() as sent, \
            django_assert_num_queries(6):
        response = _am(client, payload)

    assert response.json()["alerts"][0]["action"] == "unchanged"
    incident = Incident.objects.get()
    assert incident.updates.count() == 1
    assert sent == []


def test_a_changed_alert_text_adds_a_quiet_update(
        client: Client, django_capture_on_commit_callbacks: Any) -> None:
    _source(IncidentSource.ALERTMANAGER)
    ComponentFactory(servers=["web-07.example.net"], alerts_publish=True)
    payload = _payload("alertmanager_firing.json")
    _am(client, payload)
    payload["alerts"][0]["annotations"]["description"] = "Still down after 10 minutes."

    with django_capture_on_commit_callbacks():
        response = _am(client, payload)

    assert response.json()["alerts"][0]["action"] == "updated"
    update = Incident.objects.get().updates.order_by("-id").first()
    assert update is not None
    assert "Still down after 10 minutes." in update.body
    assert not update.notify and update.fanout_state == FanoutState.NOT_SENT


def test_a_worse_severity_raises_the_status_and_a_milder_one_does_not_lower_it(
        client: Client) -> None:
    _source(IncidentSource.ALERTMANAGER)
    web07 = ComponentFactory(servers=["web-07.example.net"], alerts_publish=True)
    payload = _payload("alertmanager_firing.json")
    payload["alerts"][0]["labels"]["severity"] = "warning"
    payload["commonLabels"]["severity"] = "warning"
    _am(client, payload)
    web07.refresh_from_db()
    assert web07.status == ComponentStatus.DEGRADED

    payload["alerts"][0]["labels"]["severity"] = "critical"
    payload["commonLabels"]["severity"] = "critical"
    assert _am(client, payload).json()["alerts"][0]["action"] == "updated"

    web07.refresh_from_db()
    assert web07.status == ComponentStatus.MAJOR_OUTAGE
    assert Incident.objects.get().impact == Impact.CRITICAL

    # Milder again: noted only if the text changed, and the status stays (an agent lowers it).
    payload["alerts"][0]["labels"]["severity"] = "warning"
    payload["commonLabels"]["severity"] = "warning"
    assert _am(client, payload).json()["alerts"][0]["action"] == "unchanged"
    web07.refresh_from_db()
    assert web07.status == ComponentStatus.MAJOR_OUTAGE


def test_a_resolved_alert_resolves_the_published_incident_with_a_notice(
        client: Client, django_capture_on_commit_callbacks: Any) -> None:
    _source(IncidentSource.ALERTMANAGER)
    web07 = ComponentFactory(servers=["web-07.example.net"], alerts_publish=True)
    payload = _payload("alertmanager_firing.json")
    _am(client, payload)

    with django_capture_on_commit_callbacks() as sent:
        response = _am(client, _resolved(payload))

    assert response.json()["alerts"][0]["action"] == "resolved"
    incident = Incident.objects.get()
    assert incident.state == IncidentState.RESOLVED and incident.resolved_at is not None
    last = incident.updates.order_by("-id").first()
    assert last is not None and last.state == IncidentState.RESOLVED
    assert last.body.startswith("Our monitoring shows this has recovered")
    assert last.body_tr.startswith("İzleme sistemimiz sorunun giderildiğini gösteriyor")
    assert last.notify and last.fanout_state == FanoutState.SENDING and sent
    web07.refresh_from_db()
    assert web07.status == ComponentStatus.OPERATIONAL
    # Cleared again (Alertmanager repeats): nothing more.
    assert _am(client, _resolved(payload)).json()["alerts"][0]["action"] == "ignored"
    assert incident.updates.count() == 2


def test_a_resolved_alert_closes_a_draft_without_telling_anyone(client: Client) -> None:
    _source(IncidentSource.ALERTMANAGER)
    ComponentFactory(servers=["web-07.example.net"], alerts_publish=False)
    payload = _payload("alertmanager_firing.json")
    _am(client, payload)

    _am(client, _resolved(payload))

    incident = Incident.objects.get()
    assert not incident.is_published and not incident.is_open
    assert not incident.updates.filter(notify=True, state=IncidentState.RESOLVED).exists()
    assert not incident.updates.exclude(fanout_state=FanoutState.NOT_SENT).exists()


def test_each_alert_of_a_batch_is_its_own_incident(client: Client) -> None:
    _source(IncidentSource.ALERTMANAGER)
    ComponentFactory(servers=["web-07.example.net"])
    ComponentFactory(slug="dns")
    payload = _payload("alertmanager_firing.json")
    second = copy.deepcopy(payload["alerts"][0])
    second["labels"] = {"alertname": "DNSLatency", "component": "dns", "severity": "warning"}
    second["annotations"] = {"summary": "Slow DNS answers"}
    second["fingerprint"] = "0b9d8e7f6a5c4b3a"
    payload["alerts"].append(second)

    response = _am(client, payload)

    assert [a["action"] for a in response.json()["alerts"]] == ["created", "created"]
    assert sorted(Incident.objects.values_list("alert_key", "component_status")) == [
        ("0b9d8e7f6a5c4b3a", ComponentStatus.DEGRADED),
        ("5f1a0c9e77b2d301", ComponentStatus.MAJOR_OUTAGE)]


def test_an_alert_on_no_known_component_creates_nothing(client: Client) -> None:
    _source(IncidentSource.ALERTMANAGER)
    ComponentFactory(servers=["web-07.example.net"])
    payload = _payload("alertmanager_firing.json")
    stray = copy.deepcopy(payload["alerts"][0])
    stray["labels"] = {"alertname": "Disk", "instance": "db-99:9100"}
    stray["fingerprint"] = "ffff000011112222"
    payload["alerts"].append(stray)

    response = _am(client, payload)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_component"
    assert response.json()["error"]["alerts"] == ["ffff000011112222"]
    assert not Incident.objects.exists()


def test_alertmanager_basic_auth_is_accepted_and_wrong_credentials_are_refused(
        client: Client) -> None:
    _source(IncidentSource.ALERTMANAGER)
    ComponentFactory(servers=["web-07.example.net"])
    payload = _payload("alertmanager_firing.json")

    def basic(password: str) -> str:
        return "Basic " + base64.b64encode(f"alertmanager:{password}".encode()).decode()

    refused = _post(client, "alertmanager", payload, Authorization=basic("wrong"))
    missing = _post(client, "alertmanager", payload)
    wrong_bearer = _am(client, payload, token=SECRET + "x")
    assert [r.status_code for r in (refused, missing, wrong_bearer)] == [401, 401, 401]
    assert refused.json()["error"]["code"] == "unauthorized"
    assert not Incident.objects.exists()
    assert set(AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED)
               .values_list("target", flat=True)) == {"status_hook:alertmanager"}
    reasons = sorted(AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED)
                     .values_list("detail__reason", flat=True))
    assert reasons == ["bad_credentials", "bad_credentials", "no_credentials"]

    accepted = _post(client, "alertmanager", payload, Authorization=basic(SECRET))
    assert accepted.status_code == 200
    assert Incident.objects.count() == 1


def test_too_many_failures_lock_the_address_out(client: Client, settings: Any) -> None:
    settings.DESTEK_STATUS_HOOKS_MAX_FAILURES = 3
    _source(IncidentSource.ALERTMANAGER)
    ComponentFactory(servers=["web-07.example.net"])
    payload = _payload("alertmanager_firing.json")
    for _attempt in range(3):
        assert _am(client, payload, token="guess").status_code == 401

    response = _am(client, payload)  # even the right secret

    assert response.status_code == 429 and response["Retry-After"]
    assert not Incident.objects.exists()
    assert AuditEvent.objects.filter(detail__reason="too_many_failures").count() == 1


def test_a_source_that_is_off_is_not_found(client: Client) -> None:
    _source(IncidentSource.ALERTMANAGER, enabled=False)
    response = _am(client, _payload("alertmanager_firing.json"))
    assert response.status_code == 404
    assert _post(client, "uptime_kuma", {}).status_code == 404  # no row at all


def test_only_post_and_version_4(client: Client) -> None:
    _source(IncidentSource.ALERTMANAGER)
    assert client.get(reverse("status_hooks:alertmanager")).status_code == 405
    payload = _payload("alertmanager_firing.json")
    payload["version"] = "3"
    response = _am(client, payload)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert _am(client, b"{not json").status_code == 400  # type: ignore[arg-type]


# Uptime Kuma ----------------------------------------------------------------------------

def test_uptime_kuma_down_then_up(client: Client) -> None:
    _source(IncidentSource.UPTIME_KUMA)
    email = ComponentFactory(slug="email", alerts_publish=True)
    down = _payload("uptime_kuma_down.json")
    url = reverse("status_hooks:uptime_kuma")

    response = client.post(f"{url}?token={SECRET}", data=json.dumps(down),
                           content_type="application/json")

    assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert (incident.source, incident.alert_key) == ("uptime_kuma", "monitor:14")
    assert incident.title == f"{email.name}: Mail (IMAP)"
    assert "timeout of 48000ms exceeded" in incident.updates.get().body
    email.refresh_from_db()
    assert email.status == ComponentStatus.MAJOR_OUTAGE

    up = copy.deepcopy(down)
    up["heartbeat"].update(status=1, msg="")
    up["msg"] = "[Mail (IMAP)] [✅ Up] "
    response = _post(client, "uptime_kuma", up, Authorization=f"Bearer {SECRET}")

    assert response.json()["alerts"][0]["action"] == "resolved"
    email.refresh_from_db()
    assert email.status == ComponentStatus.OPERATIONAL


def test_uptime_kuma_matches_a_monitor_by_its_host_and_ignores_tests_and_pending(
        client: Client) -> None:
    _source(IncidentSource.UPTIME_KUMA)
    ComponentFactory(servers=["mail.example.net"])
    down = _payload("uptime_kuma_down.json")
    down["monitor"]["tags"] = []
    auth = {"Authorization": f"Bearer {SECRET}"}

    test_button = _post(client, "uptime_kuma", {"heartbeat": None, "monitor": None,
                                                "msg": "Destek Testing"}, **auth)
    pending = copy.deepcopy(down)
    pending["heartbeat"]["status"] = 2
    assert test_button.json() == {"ok": True, "alerts": []}
    assert _post(client, "uptime_kuma", pending, **auth).json()["alerts"] == []
    assert not Incident.objects.exists()

    assert _post(client, "uptime_kuma", down, **auth).json()["alerts"][0]["action"] \
        == "created"
    assert _post(client, "uptime_kuma", down, token="nope").status_code == 401


# Generic signed JSON --------------------------------------------------------------------

GENERIC = {"key": "web-07-http", "component": "web-07", "status": "firing",
           "title": "HTTP checks failing", "message": "3 of 5 probes fail",
           "severity": "warning"}


def test_a_signed_generic_alert_opens_and_resolves(client: Client) -> None:
    _source(IncidentSource.WEBHOOK)
    ComponentFactory(slug="web-07", alerts_publish=True)

    response = _signed(client, GENERIC)

    assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert (incident.source, incident.alert_key) == ("webhook", "web-07-http")
    assert incident.component_status == ComponentStatus.DEGRADED
    assert _signed(client, GENERIC).json()["alerts"][0]["action"] == "unchanged"
    assert _signed(client, {**GENERIC, "status": "resolved"}).json()["alerts"][0][
        "action"] == "resolved"


def test_a_bad_signature_or_a_stale_timestamp_is_refused(client: Client) -> None:
    _source(IncidentSource.WEBHOOK)
    ComponentFactory(slug="web-07")

    bad = _signed(client, GENERIC, secret="not-the-secret")
    stale = _signed(client, GENERIC, timestamp=int(time.time()) - 301)
    future = _signed(client, GENERIC, timestamp=int(time.time()) + 301)
    unsigned = _post(client, "generic", GENERIC)

    assert [r.status_code for r in (bad, stale, future, unsigned)] == [401] * 4
    assert not Incident.objects.exists()
    reasons = sorted(AuditEvent.objects.values_list("detail__reason", flat=True))
    assert reasons == ["bad_signature", "no_credentials", "stale_timestamp",
                       "stale_timestamp"]
    assert _signed(client, GENERIC, timestamp=int(time.time()) - 290).status_code == 200


def test_a_generic_alert_on_an_unknown_component_is_422(client: Client) -> None:
    _source(IncidentSource.WEBHOOK)
    response = _signed(client, {**GENERIC, "component": "nowhere"})
    assert response.status_code == 422
    assert response.json()["error"]["alerts"] == ["web-07-http"]
    assert not Incident.objects.exists()


def test_an_oversized_body_is_413(client: Client, settings: Any) -> None:
    settings.DESTEK_STATUS_HOOKS_MAX_BYTES = 1024
    _source(IncidentSource.WEBHOOK)
    ComponentFactory(slug="web-07")
    response = _signed(client, {**GENERIC, "message": "x" * 2000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not Incident.objects.exists()


def test_a_generic_payload_without_key_is_400(client: Client) -> None:
    _source(IncidentSource.WEBHOOK)
    response = _signed(client, {"component": "web-07", "status": "firing"})
    assert response.status_code == 400


def test_the_secret_is_sealed_in_the_database() -> None:
    source = _source(IncidentSource.WEBHOOK)
    assert SECRET not in MonitoringSource.objects.values_list(
        "secret_sealed", flat=True).get(pk=source.pk)
    assert MonitoringSource.objects.get(pk=source.pk).secret == SECRET


# Races ----------------------------------------------------------------------------------

def _alert() -> Alert:
    return Alert(key="race-1", firing=True, name="Down", text="down", slugs=("web-07",))


def test_a_delivery_that_loses_the_race_reads_the_winners_incident() -> None:
    """Another delivery opened the incident between this one's read and its insert: the
    constraint refuses the second incident and the alert lands on the first."""
    ComponentFactory(slug="web-07")
    first = hook_incidents.alert_apply(source=IncidentSource.WEBHOOK, alert=_alert())
    real = hook_incidents._open_incident
    calls: list[int] = []

    def stale_read(source: str, key: str) -> Incident | None:
        calls.append(1)
        return None if len(calls) == 1 else real(source, key)

    with mock.patch.object(hook_incidents, "_open_incident", stale_read):
        second = hook_incidents.alert_apply(source=IncidentSource.WEBHOOK, alert=_alert())

    assert len(calls) == 2
    assert (second.action, second.incident) == ("unchanged", first.incident)
    assert Incident.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_open_one_incident() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    ComponentFactory(slug="web-07")
    barrier = threading.Barrier(2, timeout=10)
    real = hook_incidents._open_incident
    outcomes: list[hook_incidents.Outcome] = []
    errors: list[BaseException] = []

    def both_read_first(source: str, key: str) -> Incident | None:
        found = real(source, key)
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait()  # both have read "no open incident" before either inserts
        return found

    local = threading.local()

    def deliver() -> None:
        try:
            outcomes.append(hook_incidents.alert_apply(source=IncidentSource.WEBHOOK,
                                                       alert=_alert()))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    with mock.patch.object(hook_incidents, "_open_incident", both_read_first):
        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)

    assert errors == []
    assert sorted(o.action for o in outcomes) == ["created", "unchanged"]
    assert Incident.objects.count() == 1
    assert Incident.objects.get().updates.count() == 1


def test_the_component_tag_wins_over_a_monitor_name_that_is_also_a_slug(
        client: Client) -> None:
    _source(IncidentSource.UPTIME_KUMA)
    ComponentFactory(slug="mail-imap")  # the monitor's name, slugified; created first
    email = ComponentFactory(slug="email")  # the monitor's `destek` tag
    response = _post(client, "uptime_kuma", _payload("uptime_kuma_down.json"),
                     Authorization=f"Bearer {SECRET}")
    assert response.status_code == 200
    assert list(Incident.objects.get().components.all()) == [email]


def test_the_hooks_need_no_csrf_token_but_the_settings_page_does() -> None:
    _source(IncidentSource.ALERTMANAGER)
    ComponentFactory(servers=["web-07.example.net"])
    strict = Client(enforce_csrf_checks=True)
    assert _am(strict, _payload("alertmanager_firing.json")).status_code == 200
    strict.force_login(AgentFactory(role=Role.ADMIN))
    refused = strict.post(reverse("status_hooks_desk:sources"),
                          {"kind": "webhook", "action": "rotate"})
    assert refused.status_code == 403
    assert not MonitoringSource.objects.filter(kind="webhook").exists()


def test_a_secret_sealed_under_another_key_asks_for_a_new_one(client: Client) -> None:
    source = _source(IncidentSource.ALERTMANAGER)
    MonitoringSource.objects.filter(pk=source.pk).update(secret_sealed="gAAAAAnot-ours")
    response = _am(client, _payload("alertmanager_firing.json"))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
