"""Macros (destek.tickets.macros): a canned response that replies and acts in one step, all or
nothing, counted, and only for the agents the canned response is for."""

from __future__ import annotations

import pytest

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.core.errors import ApplicationError, NotFound
from destek.notifications.models import OutboundEmail
from destek.tickets.factories import open_ticket
from destek.tickets.macros import is_macro, macro_actions, macro_apply
from destek.tickets.models import (
    CannedResponse,
    EventKind,
    Message,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db


def _macro(**fields: object) -> CannedResponse:
    defaults: dict[str, object] = {
        "title": "Ask for the domain and pend",
        "body": "Hello {customer_name}, which domain is it? {agent_name}"}
    return CannedResponse.objects.create(**{**defaults, **fields})


def _state(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (ticket.status, ticket.priority, ticket.assignee_id,
            sorted(ticket.tags.values_list("name", flat=True)),
            Message.objects.filter(ticket=ticket).count(),
            TicketEvent.objects.filter(ticket=ticket).count(),
            OutboundEmail.objects.filter(ticket=ticket).count())


def test_a_macro_replies_tags_and_sets_pending_in_one_action(customer, agent, department):
    """Issue 19's "done means": one action, the reply emailed, tags merged, pending."""
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, tags=["website", "stale"])
    canned = _macro(set_status=Status.PENDING, add_tags="needs-domain, website",
                    remove_tags="stale", set_priority=Priority.HIGH, set_assignee="me",
                    note="Asked {customer_name} for the domain.")
    emails_before = OutboundEmail.objects.filter(ticket=ticket, kind="agent_reply").count()

    result = macro_apply(actor=agent, ticket=ticket, canned=canned)

    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert ticket.priority == Priority.HIGH
    assert ticket.assignee_id == agent.pk
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["needs-domain", "website"]
    assert result.reply is not None and not result.reply.is_internal
    assert result.reply.author_id == agent.pk
    assert result.reply.body_text == "Hello Deniz Müşteri, which domain is it? Mehmet Agent"
    assert result.note is not None and result.note.is_internal
    assert result.note.body_text == "Asked Deniz Müşteri for the domain."
    # The customer is emailed the reply (the outbox row of the same transaction).
    assert OutboundEmail.objects.filter(ticket=ticket, kind="agent_reply").count() \
        == emails_before + 1
    # The history names the macro, as for any rule.
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.AUTOMATION,
                                      after=canned.title, actor=agent).count() == 1
    canned.refresh_from_db()
    assert canned.usage_count == 1


def test_the_agents_edited_text_is_sent_and_an_emptied_one_sends_nothing(customer, agent,
                                                                         department):
    ticket = open_ticket(customer=customer, department=department)
    canned = _macro(set_status=Status.PENDING)
    result = macro_apply(actor=agent, ticket=ticket, canned=canned, body="My own words")
    assert result.reply is not None and result.reply.body_text == "My own words"

    other = open_ticket(customer=customer, department=department)
    replies = Message.objects.filter(ticket=other).count()
    result = macro_apply(actor=agent, ticket=other, canned=canned, body="  ")
    other.refresh_from_db()
    assert result.reply is None
    assert Message.objects.filter(ticket=other).count() == replies
    assert other.status == Status.PENDING  # set by the rule's update instead
    assert TicketEvent.objects.filter(ticket=other, kind=EventKind.AUTOMATION).count() == 1


def test_a_macro_whose_changes_are_already_made_still_shows_in_the_history(customer, agent,
                                                                            department):
    ticket = open_ticket(customer=customer, department=department)
    canned = _macro(body="", add_tags="x")
    macro_apply(actor=agent, ticket=ticket, canned=canned)
    macro_apply(actor=agent, ticket=ticket, canned=canned)
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.AUTOMATION).count() == 2
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.TAGS).count() == 1
    canned.refresh_from_db()
    assert canned.usage_count == 2


def test_an_error_leaves_nothing_half_done(customer, agent, department, other_department):
    ticket = open_ticket(customer=customer, department=department)
    outsider = AgentFactory()
    MembershipFactory(department=other_department, agent=outsider)
    from destek.accounts.models import Role
    outsider.role = Role.OUTSOURCED  # works only in Billing: cannot be given this ticket
    outsider.save(update_fields=["role"])
    canned = _macro(set_status=Status.PENDING, add_tags="needs-domain", note="note",
                    set_assignee=str(outsider.pk))
    before = _state(ticket)
    with pytest.raises(ApplicationError):
        macro_apply(actor=agent, ticket=ticket, canned=canned)
    assert _state(ticket) == before
    canned.refresh_from_db()
    assert canned.usage_count == 0


def test_a_personal_macro_is_refused_to_another_agent(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department)
    owner = AgentFactory()
    MembershipFactory(department=department, agent=owner)
    canned = _macro(owner=owner, set_status=Status.PENDING)
    before = _state(ticket)
    with pytest.raises(NotFound):
        macro_apply(actor=agent, ticket=ticket, canned=canned)
    assert _state(ticket) == before
    macro_apply(actor=owner, ticket=ticket, canned=canned)  # its owner may
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING


def test_a_macro_of_another_department_is_not_offered(customer, agent, department,
                                                       other_department):
    ticket = open_ticket(customer=customer, department=department)
    canned = _macro(department=other_department, set_status=Status.PENDING)
    with pytest.raises(NotFound):
        macro_apply(actor=agent, ticket=ticket, canned=canned)


def test_outsourced_agents_stay_in_their_departments(customer, outsourced, department,
                                                     other_department, agent):
    """Not on a ticket outside their departments, nor handing one to a stranger."""
    elsewhere = open_ticket(customer=customer, department=department)
    canned = _macro(set_status=Status.PENDING)
    before = _state(elsewhere)
    with pytest.raises(NotFound):
        macro_apply(actor=outsourced, ticket=elsewhere, canned=canned)
    assert _state(elsewhere) == before

    own = open_ticket(customer=customer, department=other_department)
    to_stranger = _macro(title="Hand to Mehmet", body="", set_assignee=str(agent.pk))
    before = _state(own)
    with pytest.raises(ApplicationError):
        macro_apply(actor=outsourced, ticket=own, canned=to_stranger)
    assert _state(own) == before
    macro_apply(actor=outsourced, ticket=own, canned=canned)
    own.refresh_from_db()
    assert own.status == Status.PENDING


def test_what_a_macro_does_in_sentences(agent):
    plain = CannedResponse(title="t", body="Hi")
    assert not is_macro(plain)
    canned = CannedResponse(title="t", body="Hi", set_status=Status.PENDING,
                            set_priority=Priority.CRITICAL, add_tags="a, b", remove_tags="c",
                            set_assignee=str(agent.pk), note="n")
    assert is_macro(canned)
    assert macro_actions(canned, staff_name={agent.pk: "Mehmet Agent"}.get) == [
        "Sends the reply", "Sets the status to Pending customer", "Sets the priority to Critical",
        "Adds the tags a, b", "Removes the tags c", "Assigns the ticket to Mehmet Agent",
        "Adds an internal note"]


def test_settings_save_a_macros_fields_and_refuse_unknown_values(agent):
    from destek.accounts.models import Role
    from destek.tickets.services.canned import (
        CannedResponseInput,
        canned_response_create,
        canned_response_update,
    )

    supervisor = AgentFactory(role=Role.SUPERVISOR)
    data = CannedResponseInput(title="Pend", body="", language="", department=None,
                               personal=False, set_status=Status.PENDING, add_tags="x")
    canned = canned_response_create(actor=supervisor, data=data)
    assert (canned.set_status, canned.add_tags, canned.owner_id) == (Status.PENDING, "x", None)
    changed = canned_response_update(actor=supervisor, canned=canned, data=CannedResponseInput(
        title="Pend", body="", language="", department=None, personal=False,
        set_status=Status.PENDING, add_tags="x", set_assignee="me", note="n"))
    assert sorted(changed) == ["note", "set_assignee"]
    for wrong in ({"set_status": "lost"}, {"set_priority": 9}, {"set_assignee": "all"}):
        bad = CannedResponseInput(title="Bad", body="x", language="", department=None,
                                  personal=True, **wrong)  # type: ignore[arg-type]
        with pytest.raises(ApplicationError):
            canned_response_create(actor=agent, data=bad)
    assert not CannedResponse.objects.filter(title="Bad").exists()
    # Any agent keeps personal macros; sharing one needs a supervisor.
    mine = canned_response_create(actor=agent, data=CannedResponseInput(
        title="Mine", body="x", language="", department=None, personal=True,
        set_status=Status.PENDING))
    assert mine.owner_id == agent.pk
    # What an agent saves stays personal, whatever the input says, and they cannot share it.
    forced = canned_response_create(actor=agent, data=CannedResponseInput(
        title="Shared?", body="x", language="", department=None, personal=False))
    assert forced.owner_id == agent.pk
    canned_response_update(actor=agent, canned=forced, data=CannedResponseInput(
        title="Shared now?", body="x", language="", department=None, personal=False))
    forced.refresh_from_db()
    assert (forced.title, forced.owner_id) == ("Shared now?", agent.pk)
    with pytest.raises(NotFound):  # the supervisor's shared one is not the agent's to change
        canned_response_update(actor=agent, canned=canned, data=data)
