"""A rule's actions: checked, carried out through the product's services (the history, the
funnel, the outbox, the webhooks' outbox), described for the dry run."""

from __future__ import annotations

import pytest
from django.utils import translation

from destek.accounts.factories import AgentFactory, CustomerFactory, MembershipFactory
from destek.automation import actions
from destek.automation.happenings import Happening
from destek.automation.models import TriggerEvent
from destek.core.errors import ApplicationError
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import (
    AuthorKind,
    Channel,
    EventKind,
    Message,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from destek.webhooks.models import Delivery, Endpoint, EndpointKind

pytestmark = pytest.mark.django_db

RULE = "Urgent words"


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("customer", "department", "assignee").get(pk=ticket.pk)


@pytest.fixture
def ticket(customer, department) -> Ticket:
    return fresh(open_ticket(customer=customer, department=department, subject="Site down"))


def run(ticket: Ticket, doc: dict, happening: Happening | None = None) -> list[str]:
    return actions.apply(ticket=ticket, doc=actions.validate(doc), rule_name=RULE,
                         happening=happening)


# --- validate ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("doc", "field"), [
    ({"priority": 99}, "priority"),
    ({"status": "gone"}, "status"),
    ({"department_id": 999999}, "department_id"),
    ({"assignee_id": 999999}, "assignee_id"),
    ({"frobnicate": True}, "frobnicate"),
    ({"unassign": "yes"}, "unassign"),
    ({"tags_add": ["a"], "tags_remove": ["a"]}, "tags_remove"),
    ({"email": {"to": "everyone"}}, "email.to"),
    ({"email": {"to": "addresses", "addresses": ["not-an-address"],
                "subject": "s", "body": "b"}}, "email.addresses"),
    ({"email": {"to": "customer", "subject": {"en": ""}, "body": {"en": "x"}}},
     "email.subject"),
    ({"notify_endpoint_ids": [999999]}, "notify_endpoint_ids"),
    ({}, "actions"),
])
def test_invalid_documents_are_refused_naming_the_field(doc, field):
    with pytest.raises(ApplicationError) as raised:
        actions.validate(doc)
    assert raised.value.field == field


def test_refusals_are_translated():
    with translation.override("tr"), pytest.raises(ApplicationError) as raised:
        actions.validate({})
    assert raised.value.message == "En az bir eylem seçin."


def test_a_chat_channel_is_not_a_webhook_and_the_other_way_round():
    room = Endpoint.objects.create(name="Ops", kind=EndpointKind.SLACK, url="https://hooks.example/x")
    hook = Endpoint.objects.create(name="CRM", kind=EndpointKind.WEBHOOK, url="https://crm.example/")
    assert actions.validate({"notify_endpoint_ids": [room.pk]})["notify_endpoint_ids"] == [room.pk]
    with pytest.raises(ApplicationError):
        actions.validate({"notify_endpoint_ids": [hook.pk]})
    with pytest.raises(ApplicationError):
        actions.validate({"webhook_endpoint_ids": [room.pk]})


def test_validate_cleans_every_key():
    clean = actions.validate({"priority": "40", "tags_add": "Site-Down, DNS"})
    assert clean["priority"] == Priority.CRITICAL
    assert clean["tags_add"] == ["site-down", "dns"]
    assert set(clean) == set(actions.EMPTY)


# --- apply: fields -----------------------------------------------------------------------------

def test_field_changes_are_one_rule_applied_event_with_the_fields(ticket, agent, other_department):
    MembershipFactory(department=other_department, agent=agent)
    ticket.tags.set([])
    done = run(ticket, {"priority": Priority.CRITICAL, "status": Status.OPEN,
                        "department_id": other_department.pk, "assignee_id": agent.pk,
                        "tags_add": ["urgent"]})
    ticket = fresh(ticket)
    assert (ticket.priority, ticket.status, ticket.department_id, ticket.assignee_id) == (
        Priority.CRITICAL, Status.OPEN, other_department.pk, agent.pk)
    assert list(ticket.tags.values_list("name", flat=True)) == ["urgent"]
    rule_events = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.AUTOMATION)
    assert [(e.actor_id, e.after) for e in rule_events] == [(None, RULE)]
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {EventKind.PRIORITY, EventKind.STATUS, EventKind.DEPARTMENT, EventKind.ASSIGNEE,
            EventKind.TAGS} <= kinds
    assert done == ["Set the priority to Critical.", "Set the status to Open.",
                    "Moved to Billing.", "Assigned to Mehmet Agent.", "Added the tags urgent."]


def test_tags_are_merged_with_the_current_ones(ticket):
    run(ticket, {"tags_add": ["billing", "vip"]})
    done = run(fresh(ticket), {"tags_add": ["dns", "vip"], "tags_remove": ["billing"]})
    assert sorted(fresh(ticket).tags.values_list("name", flat=True)) == ["dns", "vip"]
    assert done == ["Added the tags dns.", "Removed the tags billing."]


def test_nothing_to_change_changes_nothing(ticket):
    before = TicketEvent.objects.filter(ticket=ticket).count()
    assert run(ticket, {"priority": ticket.priority, "tags_remove": ["absent"]}) == []
    assert TicketEvent.objects.filter(ticket=ticket).count() == before


def test_unassign_and_an_assignee_who_cannot_take_it_is_skipped(ticket, agent):
    run(ticket, {"assignee_id": agent.pk})
    assert run(fresh(ticket), {"unassign": True}) == ["Removed the assignee."]
    assert fresh(ticket).assignee_id is None
    outsider = AgentFactory(full_name="Outsider", role="outsourced")
    # An outsourced agent outside the ticket's department: skipped, the rest still happens.
    done = run(fresh(ticket), {"assignee_id": outsider.pk, "priority": Priority.HIGH})
    assert fresh(ticket).assignee_id is None and done == ["Set the priority to High."]


# --- apply: the system note ---------------------------------------------------------------------

def test_the_note_is_internal_by_the_system_and_in_the_history(ticket, customer):
    done = run(ticket, {"note": "Escalated: {ticket_number} for {customer_name} ({priority})"})
    note = Message.objects.filter(ticket=ticket).order_by("-pk").first()
    assert note is not None
    assert note.is_internal and note.author_id is None
    assert note.author_kind == AuthorKind.SYSTEM
    assert note.body_text == f"Escalated: {ticket.reference} for Deniz Müşteri (Normal)"
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.NOTE).get()
    assert event.actor_id is None and event.after.startswith("Escalated:")
    assert done == ["Added an internal note."]
    # Never the customer's: no email to them, not counted as a public message.
    assert fresh(ticket).message_count == 1
    assert not OutboundEmail.objects.filter(kind="agent_reply").exists()


def test_the_system_writes_only_internal_notes_on_existing_tickets(ticket):
    from destek.tickets.intake import InboundMessage, receive

    with pytest.raises(ApplicationError):
        receive(InboundMessage(channel=Channel.DESK, ticket_id=ticket.pk, body_text="Hi",
                               from_system=True))
    with pytest.raises(ApplicationError):
        receive(InboundMessage(channel=Channel.DESK, subject="New", body_text="Hi",
                               is_internal=True, from_system=True))
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_the_note_is_shown_in_the_desk_as_the_systems(client, ticket, agent):
    run(ticket, {"note": "Checked by a rule"})
    client.force_login(agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Checked by a rule" in page and "System" in page


# --- apply: the email ---------------------------------------------------------------------------

EMAIL = {"to": "customer",
         "subject": {"en": "About {ticket_number}", "tr": "{ticket_number} hakkında"},
         "body": {"en": "Hello {customer_name}, status {status}. {link}",
                  "tr": "Merhaba {customer_name}, durum {status}. {link}"}}


def test_the_email_goes_to_the_customer_in_their_language(department):
    turkish = CustomerFactory(full_name="Ayşe Türk", language="tr")
    ticket = fresh(open_ticket(customer=turkish, department=department))
    done = run(ticket, {"email": EMAIL})
    assert done == ["Emailed the customer."]
    render_outbox()
    row = OutboundEmail.objects.get(kind="rule_email")
    assert row.recipients == [turkish.email]
    assert f"{ticket.reference} hakkında" in row.subject
    assert "Merhaba Ayşe Türk, durum Yeni." in row.body_text
    assert "/portal/guest/" in row.body_text  # the customer's link, not the desk's


def test_the_email_to_the_assignee_and_to_addresses(ticket, agent):
    run(ticket, {"assignee_id": agent.pk})
    run(fresh(ticket), {"email": {**EMAIL, "to": "assignee"}})
    run(fresh(ticket), {"email": {**EMAIL, "to": "addresses",
                                  "addresses": ["Ops@Example.com"]}})
    render_outbox()
    recipients = {tuple(r) for r in OutboundEmail.objects.filter(kind="rule_email")
                  .values_list("recipients", flat=True)}
    assert recipients == {("ops@example.com",), (agent.email,)}
    to_ops = OutboundEmail.objects.get(kind="rule_email", recipients=["ops@example.com"])
    assert f"/desk/tickets/{ticket.pk}/" in to_ops.body_text


def test_the_same_firing_queues_one_email(ticket):
    doc = actions.validate({"email": EMAIL})
    for _ in range(2):
        actions.apply(ticket=ticket, doc=doc, rule_name=RULE, happening=None, key="k1")
    assert OutboundEmail.objects.filter(kind="rule_email").count() == 1
    actions.apply(ticket=ticket, doc=doc, rule_name=RULE, happening=None, key="k2")
    assert OutboundEmail.objects.filter(kind="rule_email").count() == 2


def test_an_auto_reply_never_triggers_the_email(ticket, customer):
    auto = reply(ticket=ticket, author=customer, body="I am out of office",
                 channel=Channel.EMAIL, is_auto_reply=True).message
    assert auto.is_auto_reply
    happening = Happening(event=TriggerEvent.CUSTOMER_REPLIED, ticket=fresh(ticket),
                          message=auto)
    done = run(fresh(ticket), {"email": EMAIL, "tags_add": ["ooo"]}, happening)
    assert done == ["Added the tags ooo."]  # the rest of the rule still runs
    assert not OutboundEmail.objects.filter(kind="rule_email").exists()
    # A real reply does get it.
    real = reply(ticket=ticket, author=customer, body="Still broken").message
    run(fresh(ticket), {"email": EMAIL}, Happening(
        event=TriggerEvent.CUSTOMER_REPLIED, ticket=fresh(ticket), message=real))
    assert OutboundEmail.objects.filter(kind="rule_email").count() == 1


# --- apply: chat rooms and webhooks -------------------------------------------------------------

def test_chat_rooms_and_webhooks_get_outbox_rows(ticket):
    room = Endpoint.objects.create(name="Ops", kind=EndpointKind.TEAMS,
                                   url="https://teams.example/hook")
    hook = Endpoint.objects.create(name="CRM", kind=EndpointKind.WEBHOOK,
                                   url="https://crm.example/in")
    Endpoint.objects.create(name="Off", kind=EndpointKind.SLACK, url="https://s.example/",
                            is_active=False)
    off = Endpoint.objects.get(name="Off")
    done = run(ticket, {"notify_endpoint_ids": [room.pk, off.pk],
                        "webhook_endpoint_ids": [hook.pk]},
               Happening(event=TriggerEvent.TICKET_CREATED, ticket=ticket))
    assert done == ["Notified 1 chat channel.", "Called 1 webhook."]
    notify = Delivery.objects.get(endpoint=room)
    assert notify.event_type == "rule.notify"
    assert ticket.reference in notify.payload["text"] and "Site down" in notify.payload["text"]
    assert notify.payload["ticket"]["reference"] == ticket.reference
    call = Delivery.objects.get(endpoint=hook)
    assert call.event_type == "rule.webhook"
    assert call.payload["rule"] == RULE and call.payload["happening"] == "ticket_created"
    assert call.payload["ticket"]["customer"]["email"] == ticket.customer.email
    assert not Delivery.objects.filter(endpoint=off).exists()


# --- describe -----------------------------------------------------------------------------------

def test_describe_says_what_apply_would_do_and_writes_nothing(agent, department):
    doc = actions.validate({"priority": Priority.HIGH, "assignee_id": agent.pk,
                            "note": "x", "email": EMAIL})
    events = TicketEvent.objects.count()
    assert actions.describe(doc) == ["Set the priority to High.", "Assigned to Mehmet Agent.",
                                     "Added an internal note.", "Emailed the customer."]
    with translation.override("tr"):
        assert actions.describe(doc)[0] == "Önceliği Yüksek yaptı."
    assert TicketEvent.objects.count() == events
