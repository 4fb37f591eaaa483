"""The ticket page's split, link, follow and @mention controls, and the merge confirmation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from destek.accounts.factories import AgentFactory
from destek.notifications.models import OutboundEmail
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import EventKind, Mention, Message, Ticket, TicketFollower

pytestmark = pytest.mark.django_db


def url(name: str, ticket: Ticket) -> str:
    return reverse(f"desk:{name}", args=[ticket.pk])


def test_split_the_checked_messages_into_a_new_ticket(agent_client, agent, customer, ticket,
                                                       department):
    first = ticket.messages.get()
    page = agent_client.get(url("ticket", ticket)).content.decode()
    assert f'data-testid="split-select-{first.pk}"' in page and 'form="split-form"' in page
    second = reply(ticket=ticket, author=customer, body="Also: my DNS").message
    third = reply(ticket=ticket, author=agent, body="Looking at DNS").message
    response = agent_client.post(url("split", ticket), {
        "message": [str(second.pk), str(third.pk)], "subject": "DNS question",
        "department": str(department.pk)})
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert response.status_code == 302 and response.url == url("ticket", new)
    assert set(new.messages.values_list("pk", flat=True)) == {second.pk, third.pk}
    page = agent_client.get(url("ticket", new)).content.decode()
    assert "DNS question" in page and f'data-testid="link-{ticket.reference}"' in page
    assert f"#{second.pk}, #{third.pk}" in page and ticket.reference in page
    page = agent_client.get(url("ticket", ticket)).content.decode()
    assert f"moved to the new ticket <a href=\"{url('ticket', new)}\">{new.reference}</a>" in page


@pytest.mark.parametrize("data, error", [
    ({"subject": "x"}, "Select the messages to move."),
    ({"subject": "", "message": ["FIRST"]}, "field"),
])
def test_split_errors_are_shown_and_change_nothing(agent_client, ticket, department, data,
                                                   error):
    first = ticket.messages.get()
    data = {**data, "department": str(department.pk)}
    data["message"] = [str(first.pk) if v == "FIRST" else v for v in data.get("message", [])]
    response = agent_client.post(url("split", ticket), data)
    assert response.status_code == 400
    assert 'data-testid="split-' in response.content.decode()
    assert Ticket.objects.count() == 1


def test_outsourced_agents_cannot_split_a_ticket_they_cannot_see(outsourced_client, ticket):
    first = ticket.messages.get()
    response = outsourced_client.post(url("split", ticket), {"message": [first.pk],
                                                             "subject": "x"})
    assert response.status_code == 404


def test_link_list_and_unlink(agent_client, customer, department, ticket):
    other = open_ticket(customer=customer, department=department, subject="Same outage")
    response = agent_client.post(url("link", ticket), {"reference": other.reference,
                                                       "note": "one cause"})
    assert response.status_code == 302
    page = agent_client.get(url("ticket", other)).content.decode()
    assert f'data-testid="link-{ticket.reference}"' in page and "one cause" in page
    assert 'data-testid="event-linked"' in page
    response = agent_client.post(url("link", ticket), {"reference": "T-999999"})
    assert response.status_code == 400 and 'data-testid="link-errors"' in response.text
    link_id = ticket.events.filter(kind=EventKind.LINKED).count()  # one link, one event
    assert link_id == 1
    from destek.tickets.models import TicketLink

    agent_client.post(url("unlink", ticket), {"link": TicketLink.objects.get().pk})
    assert not TicketLink.objects.exists()
    assert other.events.filter(kind=EventKind.UNLINKED).exists()


def test_follow_button_and_list(agent_client, agent, ticket):
    page = agent_client.get(url("ticket", ticket)).content.decode()
    assert 'data-following="0"' in page
    agent_client.post(url("follow", ticket), {"follow": "1"})
    page = agent_client.get(url("ticket", ticket)).content.decode()
    assert 'data-following="1"' in page and agent.display_name in page
    assert TicketFollower.objects.filter(ticket=ticket, user=agent).exists()
    agent_client.post(url("follow", ticket), {"follow": "0"})
    assert not TicketFollower.objects.exists()


def test_a_followed_ticket_emails_its_followers_when_the_customer_replies(
        agent_client, agent, customer, ticket, settings):
    settings.EMAIL_BACKEND = "destek.notifications.backends.OutboxEmailBackend"
    agent_client.post(url("follow", ticket), {"follow": "1"})
    reply(ticket=ticket, author=customer, body="Still down!")
    [row] = OutboundEmail.objects.filter(kind="followed_customer_replied")
    assert row.recipients == [agent.email]


def test_a_mention_in_a_note_is_stored_highlighted_and_followed(
        agent_client, agent, outsourced, ticket):
    colleague = AgentFactory(full_name="Zeynep Kaya", email="zeynep@example.com")
    response = agent_client.post(url("reply", ticket), {
        "body": f"@zeynep@example.com and @{outsourced.email}: please check",
        "is_internal": "on"})
    assert response.status_code == 302
    note = Message.objects.get(is_internal=True)
    assert {m.user_id: m.notified for m in Mention.objects.filter(message=note)} == {
        colleague.pk: True, outsourced.pk: False}
    page = agent_client.get(url("ticket", ticket)).content.decode()
    assert '<mark class="mention" data-testid="mention">@zeynep@example.com</mark>' in page
    assert "Zeynep Kaya" in page  # a follower now
    # The author is told who was not notified, when posting and beside the note.
    assert f'data-testid="mention-not-notified-{note.pk}"' in page
    assert ("Not notified, as they cannot see this ticket: Outsourced Olcay"
            in page.replace("\n", " "))
    flashed = agent_client.post(url("reply", ticket), {
        "body": f"again @{outsourced.email}", "is_internal": "on"}, follow=True)
    assert flashed.content.decode().count("Not notified, as they cannot see") == 3
    assert OutboundEmail.objects.filter(kind="ticket_mentioned",
                                        recipients=[colleague.email]).exists()


def test_mention_suggestions_list_active_staff(agent_client, outsourced_client, outsourced,
                                              agent):
    AgentFactory(full_name="Zeynep Kaya", email="zeynep@example.com")
    AgentFactory(full_name="Zeynep Eski", email="old@example.com", is_active=False)
    found = agent_client.get(reverse("desk:mention_suggestions"), {"q": "zey"}).json()
    assert found == {"people": [{"name": "Zeynep Kaya", "email": "zeynep@example.com"}]}
    # An outsourced agent sees only their departments' staff.
    found = outsourced_client.get(reverse("desk:mention_suggestions"), {"q": "zey"}).json()
    assert found == {"people": []}


def test_merge_asks_for_confirmation_showing_both_tickets(agent_client, customer, department,
                                                          ticket):
    target = open_ticket(customer=customer, department=department, subject="Same problem")
    response = agent_client.get(url("merge_confirm", ticket), {"target": target.reference})
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="merge-confirm"' in page
    assert 'data-testid="merge-source-subject">Website down<' in page
    assert 'data-testid="merge-target-subject">Same problem<' in page
    assert ticket.reference in page and target.reference in page
    ticket.refresh_from_db()
    assert ticket.merged_into_id is None
    agent_client.post(url("merge", ticket), {"target": target.reference, "confirmed": "1"})
    page = agent_client.get(url("ticket", target)).content.decode()
    first = Message.objects.filter(ticket=target).order_by("pk").first()
    assert f"was merged into this ticket: messages #{first.pk}" in page
