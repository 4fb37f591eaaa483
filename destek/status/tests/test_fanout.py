"""The fan-out of an incident update: who gets an email, in which language, once; progress;
batches run again write nothing; drafts send nothing. SQLite and PostgreSQL."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from destek.accounts.factories import CustomerFactory
from destek.hosting.factories import ServiceFactory
from destek.notifications import directory
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.status import fanout_tasks as tasks
from destek.status import sending
from destek.status.factories import ComponentFactory
from destek.status.models import (
    Component,
    FanoutState,
    Incident,
    IncidentKind,
    IncidentState,
    IncidentUpdate,
    Subscription,
    SubscriptionChannel,
    WebhookDelivery,
)
from destek.status.services import (
    IncidentDraft,
    incident_create,
    incident_post_update,
    incident_publish,
)

pytestmark = pytest.mark.django_db

KIND = "status_incident_update"


def _declare(components: list[Component], *, publish: bool = True, **extra: Any) -> Incident:
    draft = IncidentDraft(title="Web-07 is down", title_tr="Web-07 erişilemiyor",
                          body="We are looking into it.", body_tr="İnceliyoruz.",
                          components=components, **extra)
    return incident_create(actor=None, draft=draft, publish=publish)


def _declare_and_send(django_capture_on_commit_callbacks, components: list[Component],
                      **extra: Any) -> Incident:
    with django_capture_on_commit_callbacks(execute=True):
        return _declare(components, **extra)


def _rows() -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(kind=KIND).order_by("pk"))


def _to(rows: list[OutboundEmail]) -> set[str]:
    return {address for row in rows for address in row.recipients}


def _subscribe(email: str, *components: Component, language: str = "en",
               confirmed: bool = True, **extra: Any) -> Subscription:
    sub = Subscription.objects.create(channel=SubscriptionChannel.EMAIL, email=email,
                                      language=language, **extra,
                                      confirmed_at=timezone.now() if confirmed else None)
    sub.components.set(components)
    return sub


@pytest.fixture
def web07() -> Component:
    return ComponentFactory(servers=["web-07"], name="Shared hosting web-07",
                            name_tr="Paylaşımlı hosting web-07")


def test_only_affected_customers_and_matching_subscribers_get_an_email(
        django_capture_on_commit_callbacks, web07):
    dns = ComponentFactory(slug="dns", name="DNS")
    on_web07 = CustomerFactory(email="on@example.com")
    ServiceFactory(customer=on_web07, server="web-07")
    elsewhere = CustomerFactory(email="elsewhere@example.com")
    ServiceFactory(customer=elsewhere, server="web-08")
    _subscribe("fan@example.org", web07)
    _subscribe("everything@example.org")  # no component: all of them
    _subscribe("dns-only@example.org", dns)
    _subscribe("unconfirmed@example.org", web07, confirmed=False)
    _subscribe("on@example.com", web07)  # already told as a customer
    _subscribe("twice@example.org", web07)
    _subscribe("twice@example.org")  # the same address again: one email

    incident = _declare_and_send(django_capture_on_commit_callbacks, [web07])

    rows = _rows()
    assert _to(rows) == {"on@example.com", "fan@example.org", "everything@example.org",
                         "twice@example.org"}
    assert len(rows) == 4
    update = incident.updates.get()
    assert update.fanout_state == FanoutState.DONE
    # Walked: 1 customer, 5 matching confirmed email subscriptions (not dns-only, unconfirmed).
    assert update.fanout_done == update.fanout_total == 6


def test_the_email_is_in_the_recipients_language_with_the_incident_and_its_links(
        django_capture_on_commit_callbacks, web07, settings):
    settings.BASE_URL = "https://destek.example"
    turkish = CustomerFactory(email="ayse@example.com", full_name="Ayşe", language="tr",
                              email_notifications=False)  # a service notice: sent anyway
    english = CustomerFactory(email="john@example.com", full_name="John", language="en")
    for person in (turkish, english):
        ServiceFactory(customer=person, server="web-07")
    sub = _subscribe("fan@example.org", web07, language="tr")

    incident = _declare_and_send(django_capture_on_commit_callbacks, [web07])
    render_outbox()

    def mail(address: str) -> Any:
        row = OutboundEmail.objects.get(kind=KIND, recipients=[address])
        return message_from_bytes(row.raw_bytes, policy=policy.default)

    tr = mail("ayse@example.com")
    tr_text = tr.get_body(("plain",)).get_content()
    assert tr["Subject"] == "[Kesinti] Web-07 erişilemiyor: İnceleniyor"
    assert "Merhaba Ayşe" in tr_text and "İnceliyoruz." in tr_text
    assert "Paylaşımlı hosting web-07" in tr_text
    assert f"https://destek.example/status/incidents/{incident.pk}/" in tr_text
    assert "unsubscribe" not in tr_text and "List-Unsubscribe" not in tr
    assert tr["Auto-Submitted"] == "auto-generated"

    en_text = mail("john@example.com").get_body(("plain",)).get_content()
    assert "Hello John" in en_text and "We are looking into it." in en_text
    assert "Shared hosting web-07" in en_text and "Investigating" in en_text

    fan = mail("fan@example.org")
    assert "/unsubscribe" in fan.get_body(("plain",)).get_content()
    assert fan["List-Unsubscribe"] == (
        f"<https://destek.example/status/subscriptions/{sub.token}/unsubscribe>")
    assert fan["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_turkish_text_falls_back_to_english_when_the_update_has_none(
        django_capture_on_commit_callbacks, web07):
    person = CustomerFactory(email="ayse@example.com", language="tr")
    ServiceFactory(customer=person, server="web-07")
    incident = _declare([web07])
    with django_capture_on_commit_callbacks(execute=True):
        incident_post_update(actor=None, incident=incident, state=IncidentState.IDENTIFIED,
                             body="A disk failed.")
    render_outbox()
    row = OutboundEmail.objects.filter(kind=KIND).latest("pk")
    text = message_from_bytes(row.raw_bytes, policy=policy.default).get_body(
        ("plain",)).get_content()
    assert "A disk failed." in text and "Durum: Sorun belirlendi" in text


def test_each_update_is_sent_once_and_a_draft_sends_nothing(
        django_capture_on_commit_callbacks, web07):
    person = CustomerFactory()
    ServiceFactory(customer=person, server="web-07")
    with django_capture_on_commit_callbacks(execute=True):
        draft = _declare([web07], publish=False)
    assert _rows() == []
    assert draft.updates.get().fanout_state == FanoutState.NOT_SENT

    with django_capture_on_commit_callbacks(execute=True):
        incident_publish(actor=None, incident=draft)
        incident_publish(actor=None, incident=draft)  # twice: nothing more
    assert len(_rows()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        incident_post_update(actor=None, incident=draft, state=IncidentState.MONITORING,
                             body="Back up, watching.")
        incident_post_update(actor=None, incident=draft, state=IncidentState.MONITORING,
                             body="Silent", notify=False)
    rows = _rows()
    assert len(rows) == 2
    keys = {row.idempotency_key for row in rows}
    assert keys == {f"status-update:{u.pk}:user:{person.pk}"
                    for u in draft.updates.filter(notify=True)}


def test_a_batch_run_again_writes_nothing_new_and_counters_reach_the_total(
        django_capture_on_commit_callbacks, web07, monkeypatch):
    monkeypatch.setattr(sending, "BATCH", 3)
    for n in range(7):
        ServiceFactory(customer=CustomerFactory(email=f"c{n}@example.com"), server="web-07")
    for n in range(4):
        _subscribe(f"s{n}@example.org", web07)
    with django_capture_on_commit_callbacks(execute=False):  # sent below, by hand
        incident = _declare([web07])
    update = incident.updates.get()
    assert update.fanout_state == FanoutState.SENDING

    seen: list[tuple[str, int, int]] = []
    step: int | None = 0
    while step is not None:
        result = sending.send_step(update_id=update.pk, step=step)
        update.refresh_from_db()
        seen.append((update.fanout_phase, update.fanout_done, update.fanout_total))
        step = result.next_step
    # Batches of 3: customers 3, 6, 7 (the phase ends), subscribers 10, 11, then webhooks.
    assert [done for _phase, done, _total in seen] == [3, 6, 7, 10, 11, 11]
    assert all(total == 11 for _phase, _done, total in seen)
    assert update.fanout_state == FanoutState.DONE and update.fanout_done == 11
    assert len(_rows()) == 11

    # A task for a batch already done (a duplicate, a redelivery) does nothing…
    assert sending.send_step(update_id=update.pk, step=1).next_step is None
    # …and a batch whose commit was lost with its worker, run again, adds no row.
    IncidentUpdate.objects.filter(pk=update.pk).update(
        fanout_state=FanoutState.SENDING, fanout_phase=sending.CUSTOMERS, fanout_cursor=0,
        fanout_step=0, fanout_done=0)
    with CaptureQueriesContext(connection) as queries:
        sending.send_step(update_id=update.pk, step=0)
    assert len(_rows()) == 11
    assert len(queries) < 25  # a batch costs a bounded number of queries, not one per person


def test_the_sweeper_resumes_a_stalled_fan_out_from_its_last_batch(web07, monkeypatch,
                                                                   settings):
    settings.DESTEK_STATUS_FANOUT_STALL_SECONDS = 0
    monkeypatch.setattr(sending, "BATCH", 2)
    for _ in range(5):
        ServiceFactory(customer=CustomerFactory(), server="web-07")
    incident = _declare([web07])  # its on-commit start is never run: the task was "lost"
    update = incident.updates.get()
    sending.send_step(update_id=update.pk, step=0)  # one batch, then the worker "died"
    assert len(_rows()) == 2
    started: list[tuple[int, int]] = []
    monkeypatch.setattr(tasks, "enqueue_step", lambda pk, step: started.append((pk, step)))

    assert tasks.sweep_status_fanouts() == 1
    assert started == [(update.pk, 1)]


def test_bouncing_addresses_are_skipped(django_capture_on_commit_callbacks, web07,
                                        monkeypatch):
    for email in ("ok@example.com", "bounces@example.com"):
        ServiceFactory(customer=CustomerFactory(email=email), server="web-07")
    monkeypatch.setattr(directory._directory, "bouncing_addresses",
                        lambda addresses: {a.lower() for a in addresses if "bounces" in a})
    incident = _declare_and_send(django_capture_on_commit_callbacks, [web07])
    assert _to(_rows()) == {"ok@example.com"}
    update = incident.updates.get()
    assert update.fanout_done == update.fanout_total == 2


def test_maintenance_emails_give_the_window(django_capture_on_commit_callbacks, web07):
    ServiceFactory(customer=CustomerFactory(email="m@example.com"), server="web-07")
    start = timezone.now() + timezone.timedelta(days=1)
    _declare_and_send(django_capture_on_commit_callbacks, [web07],
                      kind=IncidentKind.MAINTENANCE, scheduled_start=start,
                      scheduled_end=start + timezone.timedelta(hours=2))
    render_outbox()
    row = _rows()[0]
    message = message_from_bytes(row.raw_bytes, policy=policy.default)
    assert message["Subject"].startswith("[Maintenance] Web-07 is down: Scheduled")
    assert "Window: " in message.get_body(("plain",)).get_content()


def test_webhook_subscribers_get_one_delivery_per_update(django_capture_on_commit_callbacks,
                                                         web07, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue_webhook", lambda pk: None)
    hook = Subscription.objects.create(channel=SubscriptionChannel.WEBHOOK,
                                       webhook_url="https://hooks.example.net/destek")
    hook.components.set([web07])
    Subscription.objects.create(channel=SubscriptionChannel.WEBHOOK,
                                webhook_url="https://hooks.example.net/other").components.set(
        [ComponentFactory()])
    incident = _declare_and_send(django_capture_on_commit_callbacks, [web07])
    update = incident.updates.get()
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription == hook and delivery.update == update
    assert '"title":{"en":"Web-07 is down","tr":"Web-07 erişilemiyor"}' in delivery.body
    IncidentUpdate.objects.filter(pk=update.pk).update(
        fanout_state=FanoutState.SENDING, fanout_phase=sending.WEBHOOKS, fanout_cursor=0,
        fanout_step=9)
    sending.send_step(update_id=update.pk, step=9)
    assert WebhookDelivery.objects.count() == 1


def test_the_progress_bar_polls_while_sending_and_is_staff_only(
        client, agent, customer, web07):
    incident = _declare([web07])
    update = incident.updates.get()
    IncidentUpdate.objects.filter(pk=update.pk).update(fanout_total=40, fanout_done=10)
    url = reverse("status_desk:fanout_progress", args=[update.pk])
    client.force_login(customer)
    assert client.get(url).status_code == 404
    client.force_login(agent)
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'max="40" value="10"' in page
    assert "10 of 40" in page
    IncidentUpdate.objects.filter(pk=update.pk).update(fanout_state=FanoutState.DONE,
                                                       fanout_done=40)
    page = client.get(url).content.decode()
    assert "hx-trigger" not in page and 'value="40"' in page
    assert "Sent to 40 recipients." in page
