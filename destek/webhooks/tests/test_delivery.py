"""Deliveries to a real HTTP receiver on 127.0.0.1, sent in this process: the envelope and
its signature, retries with backoff, disabling with one email to the admins, redelivery."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from destek.accounts.factories import AgentFactory, UserFactory
from destek.accounts.models import Role
from destek.core.errors import ApplicationError, PermissionDenied
from destek.notifications.models import OutboundEmail
from destek.tickets.factories import open_ticket, reply
from destek.webhooks import delivery, selectors, services, signing
from destek.webhooks.models import Delivery, DeliveryState, Endpoint, EventType

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_receivers_allowed")]

TICKET_EVENTS = [EventType.TICKET_CREATED, EventType.MESSAGE_CUSTOMER, EventType.MESSAGE_AGENT]


def _endpoint(admin, receiver, kind="webhook", events=TICKET_EVENTS):
    return services.endpoint_create(actor=admin, name=f"Receiver {kind}", kind=kind,
                                    url=receiver.url, events=events)


def _due_now(row: Delivery) -> None:
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def test_a_new_ticket_is_told_once_signed_and_the_internal_note_never(
        admin, receiver, customer, department, agent):
    endpoint, secret = _endpoint(admin, receiver)
    ticket = open_ticket(customer=customer, department=department, subject="Sitem açılmıyor")
    reply(ticket=ticket, author=agent, body="Secret internal note", internal=True)
    reply(ticket=ticket, author=agent, body="We are on it")
    rows = list(Delivery.objects.order_by("pk"))
    assert [r.event_type for r in rows] == [EventType.TICKET_CREATED, EventType.MESSAGE_AGENT]
    assert [delivery.deliver(r.pk) for r in rows] == [delivery.Outcome.DELIVERED] * 2
    assert delivery.deliver(rows[0].pk) == delivery.Outcome.SKIPPED  # delivered: never again

    assert len(receiver.received) == 2
    first = receiver.received[0]
    assert first.signed_by(secret)
    assert first.headers["destek-event-type"] == "ticket.created"
    envelope = json.loads(first.body)
    assert envelope["id"] == first.event_id == str(rows[0].event_id)
    assert envelope["type"] == "ticket.created"
    data = envelope["data"]
    assert data["ticket"]["reference"] == ticket.reference
    assert data["ticket"]["subject"] == "Sitem açılmıyor"
    assert data["ticket"]["customer"] == {"id": customer.pk, "email": customer.email}
    assert data["ticket"]["url"].endswith(f"/desk/tickets/{ticket.pk}/")
    assert data["message"]["body_text"] == "My site returns 500."
    assert "Secret internal note" not in b"".join(r.body for r in receiver.received).decode()
    row = Delivery.objects.get(pk=rows[0].pk)
    assert (row.state, row.attempts, row.last_status_code) == (DeliveryState.DELIVERED, 1, 200)
    assert endpoint.pk == row.endpoint_id


def test_a_500_is_retried_with_backoff_then_delivered_with_the_same_event_id(
        admin, receiver, customer, department):
    _endpoint_row, secret = _endpoint(admin, receiver)
    receiver.behaviour = lambda _r, n: (500 if n == 1 else 200, 0.0)
    open_ticket(customer=customer, department=department)
    row = Delivery.objects.get()
    assert delivery.deliver(row.pk) == delivery.Outcome.RETRY
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_status_code) == (DeliveryState.RETRYING, 1, 500)
    assert row.last_error == "HTTP 500" and len(row.last_response) == delivery.EXCERPT_CHARS
    assert row.next_attempt_at - row.last_attempt_at == timedelta(seconds=30)
    assert delivery.deliver(row.pk) == delivery.Outcome.SKIPPED  # not due yet
    assert delivery.backoff(2) == timedelta(minutes=1)
    assert delivery.backoff(3) == timedelta(minutes=2)
    assert delivery.backoff(30) == timedelta(hours=6)
    _due_now(row)
    assert delivery.deliver(row.pk) == delivery.Outcome.DELIVERED
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.DELIVERED, 2)
    assert [r.event_id for r in receiver.received] == [str(row.event_id)] * 2
    assert all(r.signed_by(secret) for r in receiver.received)
    assert Endpoint.objects.get().consecutive_failures == 0


def test_a_delivery_fails_for_good_after_the_last_attempt(settings, admin, receiver, customer,
                                                         department):
    settings.DESTEK_WEBHOOK_MAX_ATTEMPTS = 2
    _endpoint(admin, receiver)
    receiver.behaviour = lambda _r, _n: (503, 0.0)
    open_ticket(customer=customer, department=department)
    row = Delivery.objects.get()
    assert delivery.deliver(row.pk) == delivery.Outcome.RETRY
    _due_now(row)
    assert delivery.deliver(row.pk) == delivery.Outcome.FAILED
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_status_code) == (DeliveryState.FAILED, 2, 503)
    assert delivery.sweep() == []
    # The admin sends it again: the same event, a new count of attempts.
    receiver.behaviour = lambda _r, _n: (204, 0.0)
    services.delivery_redeliver(actor=admin, delivery=row)
    assert delivery.deliver(row.pk) == delivery.Outcome.DELIVERED
    assert {r.event_id for r in receiver.received} == {str(row.event_id)}


def test_a_redirect_is_not_followed(admin, receiver, customer, department):
    _endpoint(admin, receiver)
    receiver.behaviour = lambda _r, _n: (302, 0.0)
    open_ticket(customer=customer, department=department)
    row = Delivery.objects.get()
    assert delivery.deliver(row.pk) == delivery.Outcome.RETRY
    row.refresh_from_db()
    assert row.last_status_code == 302 and len(receiver.received) == 1


def test_an_endpoint_failing_again_and_again_is_disabled_and_the_admins_emailed_once(
        settings, admin, receiver, customer, department):
    settings.DESTEK_WEBHOOK_DISABLE_AFTER = 3
    other_admin = UserFactory(role=Role.ADMIN, email="root@example.com", language="tr")
    endpoint, _secret = _endpoint(admin, receiver)
    receiver.behaviour = lambda _r, _n: (500, 0.0)
    for n in range(4):
        open_ticket(customer=customer, department=department, subject=f"Down {n}")
    rows = list(Delivery.objects.order_by("pk"))
    outcomes = [delivery.deliver(r.pk) for r in rows]
    assert outcomes == [delivery.Outcome.RETRY] * 3 + [delivery.Outcome.SKIPPED]
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    emails = OutboundEmail.objects.filter(kind="webhook_disabled")
    assert sorted(r for e in emails for r in e.recipients) == sorted(
        [admin.email, other_admin.email])
    assert selectors.subscriber_ids(EventType.TICKET_CREATED) == []  # no new deliveries
    open_ticket(customer=customer, department=department, subject="While disabled")
    assert Delivery.objects.count() == 4
    for row in rows:
        _due_now(row)
    assert delivery.sweep() == []  # a disabled endpoint's rows wait
    assert emails.count() == 2  # once per disabling

    # Re-enabled: the count starts again and the waiting deliveries go out.
    receiver.behaviour = lambda _r, _n: (200, 0.0)
    services.endpoint_enable(actor=admin, endpoint=endpoint)
    assert endpoint.consecutive_failures == 0 and endpoint.is_active
    assert [delivery.deliver(r.pk) for r in rows] == [delivery.Outcome.DELIVERED] * 4
    assert len(receiver.first_of_each()) == 4


def test_chat_rooms_get_their_own_format(admin, receiver, customer, department):
    services.endpoint_create(actor=admin, name="Slack", kind="slack", url=receiver.url,
                             events=[EventType.TICKET_CREATED])
    services.endpoint_create(actor=admin, name="Teams", kind="teams", url=receiver.url,
                             events=[EventType.TICKET_CREATED])
    ticket = open_ticket(customer=customer, department=department, subject="DNS çalışmıyor")
    rows = list(Delivery.objects.select_related("endpoint").order_by("pk"))
    assert len({r.event_id for r in rows}) == 1  # one event, told to both rooms
    for row in rows:
        assert delivery.deliver(row.pk) == delivery.Outcome.DELIVERED
    slack, teams = (json.loads(r.body) for r in receiver.received)
    assert set(slack) == {"text"} and ticket.reference in slack["text"]
    assert "DNS çalışmıyor" in slack["text"]
    assert teams["@type"] == "MessageCard" and ticket.reference in teams["text"]
    assert signing.SIGNATURE_HEADER.lower() not in receiver.received[0].headers


def test_a_rule_text_and_a_test_message_are_sent_as_is(admin, receiver):
    endpoint, _secret = services.endpoint_create(actor=admin, name="Mattermost",
                                                 kind="mattermost", url=receiver.url, events=[])
    services.send_test(actor=admin, endpoint=endpoint)
    hook, _s = _endpoint(admin, receiver, events=[])
    services.send_test(actor=admin, endpoint=hook)
    for row in Delivery.objects.order_by("pk"):
        assert delivery.deliver(row.pk) == delivery.Outcome.DELIVERED
    room, signed = receiver.received
    assert "test message" in json.loads(room.body)["text"]
    assert json.loads(signed.body)["type"] == "webhook.test"


def test_a_private_address_is_refused_when_saved(settings, admin):
    settings.DESTEK_WEBHOOK_ALLOWED_NETWORKS = []
    for url in ["http://127.0.0.1:8080/x", "http://169.254.169.254/", "http://[::1]/",
                "http://localhost/", "ftp://example.com/"]:
        with pytest.raises(ApplicationError) as refused:
            services.endpoint_create(actor=admin, name="Internal", kind="webhook", url=url,
                                     events=[EventType.TICKET_CREATED])
        assert refused.value.field == "url"
    endpoint, _secret = services.endpoint_create(
        actor=admin, name="Public", kind="webhook", url="https://93.184.216.34/hook",
        events=[EventType.TICKET_CREATED])
    with pytest.raises(ApplicationError):
        services.endpoint_update(actor=admin, endpoint=endpoint, url="http://10.0.0.5/")
    assert Endpoint.objects.get().url == "https://93.184.216.34/hook"


def test_the_url_is_checked_again_at_delivery(settings, admin, receiver, customer, department):
    _endpoint(admin, receiver)
    open_ticket(customer=customer, department=department)
    settings.DESTEK_WEBHOOK_ALLOWED_NETWORKS = []  # the name now points somewhere refused
    row = Delivery.objects.get()
    assert delivery.deliver(row.pk) == delivery.Outcome.RETRY
    row.refresh_from_db()
    assert "private" in row.last_error and receiver.received == []


def test_only_admins_manage_webhooks_and_every_change_is_audited(admin, receiver):
    from destek.audit.models import AuditEvent

    agent = AgentFactory()
    with pytest.raises(PermissionDenied):
        services.endpoint_create(actor=agent, name="x", kind="webhook", url=receiver.url,
                                 events=[])
    endpoint, secret = _endpoint(admin, receiver)
    assert secret not in endpoint.secret_sealed
    new_secret = services.rotate_secret(actor=admin, endpoint=endpoint)
    assert signing.unseal_secret(endpoint.secret_sealed) == new_secret != secret
    services.endpoint_update(actor=admin, endpoint=endpoint, name="CRM")
    target = f"webhook:{endpoint.pk}"
    services.endpoint_delete(actor=admin, endpoint=endpoint)
    changes = list(AuditEvent.objects.filter(target=target)
                   .order_by("id").values_list("detail__change", flat=True))
    assert changes == ["created", "secret_rotated", "updated", "deleted"]
    assert all(secret not in str(e.detail) and new_secret not in str(e.detail)
               for e in AuditEvent.objects.all())


def test_ticket_creation_asks_nothing_of_the_database_for_webhooks_when_none_listen(
        customer, department):
    open_ticket(customer=customer, department=department)  # warm
    with CaptureQueriesContext(connection) as queries:
        open_ticket(customer=customer, department=department, subject="Second")
    assert not [q["sql"] for q in queries.captured_queries if "webhooks_" in q["sql"]]
    assert Delivery.objects.count() == 0


def test_the_delivery_log_is_paged_by_keyset(admin, receiver, customer, department):
    endpoint, _secret = _endpoint(admin, receiver)
    for n in range(5):
        open_ticket(customer=customer, department=department, subject=f"T{n}")
    first = selectors.delivery_log(endpoint=endpoint, limit=2)
    second = selectors.delivery_log(endpoint=endpoint, limit=2, cursor=first.next_cursor)
    third = selectors.delivery_log(endpoint=endpoint, limit=2, cursor=second.next_cursor)
    ids = [d.pk for page in (first, second, third) for d in page.deliveries]
    assert ids == list(Delivery.objects.order_by("-created_at", "-id").values_list("pk",
                                                                                  flat=True))
    assert third.next_cursor == ""


def test_the_request_goes_to_the_address_checked_with_the_host_name_in_host(
        settings, monkeypatch, admin, receiver, customer, department):
    """The name is resolved once, by the guard; the connection goes to that address (a DNS
    answer changed afterwards cannot redirect it) and the name travels in Host."""
    import socket

    from destek.webhooks import guard

    real = socket.getaddrinfo
    lookups: list[str] = []

    def fake_dns(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == "hooks.example.net":
            lookups.append(host)
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(guard.socket, "getaddrinfo", fake_dns)
    url = receiver.url.replace("127.0.0.1", "hooks.example.net")
    services.endpoint_create(actor=admin, name="Named", kind="webhook", url=url,
                             events=[EventType.TICKET_CREATED])
    open_ticket(customer=customer, department=department)
    lookups.clear()
    assert delivery.deliver(Delivery.objects.get().pk) == delivery.Outcome.DELIVERED
    assert lookups == ["hooks.example.net"]  # once: the check's answer is what is used
    (request,) = receiver.received
    assert request.headers["host"] == f"hooks.example.net:{receiver.port}"
    assert request.path == "/hooks/destek"


def test_a_killed_workers_row_is_swept_after_its_lease_and_fails_on_its_last_attempt(
        settings, admin, receiver, customer, department):
    settings.DESTEK_WEBHOOK_MAX_ATTEMPTS = 2
    _endpoint(admin, receiver)
    open_ticket(customer=customer, department=department)
    open_ticket(customer=customer, department=department, subject="Other")
    one, two = Delivery.objects.order_by("pk")
    past = timezone.now() - timedelta(minutes=5)
    Delivery.objects.update(next_attempt_at=past)
    # A worker claimed `one` and died: leased, not marked.
    claimed = delivery.claim(one.pk)
    assert claimed is not None and delivery.claim(one.pk) is None  # held by that worker
    assert delivery.sweep() == [two.pk]
    Delivery.objects.filter(pk=one.pk).update(leased_until=past)  # the lease ran out
    assert set(delivery.sweep()) == {one.pk, two.pk}
    # It dies again, on the last allowed attempt: the sweep gives up on it.
    delivery.claim(one.pk)
    Delivery.objects.filter(pk=one.pk).update(leased_until=past)
    assert delivery.sweep() == [two.pk]
    one.refresh_from_db()
    assert one.state == DeliveryState.FAILED and "interrupted" in one.last_error


def test_sla_ratings_and_chats_reach_their_subscribers(admin, receiver, customer, department):
    from destek.sla.domain_events import SlaAlerted
    from destek.webhooks import subscribers

    services.endpoint_create(actor=admin, name="Ops", kind="webhook", url=receiver.url,
                             events=[EventType.SLA_BREACH, EventType.RATING_RECEIVED])
    ticket = open_ticket(customer=customer, department=department)  # not subscribed
    subscribers.on_sla_alerted(SlaAlerted(ticket=ticket, kind="breach", metric="first_response"))
    subscribers.on_sla_alerted(SlaAlerted(ticket=ticket, kind="warning", metric="resolution"))
    subscribers.on_external("rating.received", {"score": 2, "comment": "Slow",
                                                "ticket_id": ticket.pk})
    subscribers.on_external("chat.ended", {"conversation_id": 1, "ticket_id": None})
    rows = {r.event_type: r.payload for r in Delivery.objects.all()}
    assert set(rows) == {EventType.SLA_BREACH, EventType.RATING_RECEIVED}
    assert rows[EventType.SLA_BREACH]["metric"] == "first_response"
    assert rows[EventType.SLA_BREACH]["ticket"]["reference"] == ticket.reference
    rating = rows[EventType.RATING_RECEIVED]
    assert (rating["score"], rating["comment"], rating["ticket"]["id"]) == (2, "Slow", ticket.pk)
