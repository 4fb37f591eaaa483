"""The permission door: a customer never reaches another customer's ticket, message or
attachment, nor an internal note, through any portal URL; they get 404, never 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from destek.portal.tests.conftest import inbound_file
from destek.tickets.access import guest_token_for
from destek.tickets.factories import reply
from destek.tickets.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def intruder_client(client, other_customer):
    client.force_login(other_customer)
    return client


def test_another_customer_gets_404_through_every_door(intruder_client, ticket):
    attachment = ticket.attachments.get()
    before = (ticket.status, ticket.messages.count())

    assert intruder_client.get(reverse("portal:ticket_detail", args=[ticket.pk])).status_code == 404
    assert intruder_client.post(reverse("portal:ticket_reply", args=[ticket.pk]),
                                {"body": "let me in"}).status_code == 404
    assert intruder_client.post(reverse("portal:ticket_close", args=[ticket.pk])).status_code == 404
    assert intruder_client.post(
        reverse("portal:ticket_reopen", args=[ticket.pk])).status_code == 404
    assert intruder_client.get(
        reverse("portal:attachment", args=[attachment.pk])).status_code == 404

    ticket.refresh_from_db()
    assert (ticket.status, ticket.messages.count()) == before
    assert not ticket.events.filter(actor__isnull=False).exclude(
        actor=ticket.customer).exists()


def test_another_customers_ticket_is_not_in_my_list(intruder_client, ticket):
    content = intruder_client.get(reverse("portal:ticket_list")).content.decode()
    assert ticket.reference not in content
    assert ticket.subject not in content


def test_a_missing_ticket_is_404_like_a_foreign_one(customer_client, ticket):
    assert customer_client.get(
        reverse("portal:ticket_detail", args=[ticket.pk + 1000])).status_code == 404
    assert customer_client.get(reverse("portal:attachment", args=[999999])).status_code == 404


def test_anonymous_cannot_download(client, ticket):
    response = client.get(reverse("portal:attachment", args=[ticket.attachments.get().pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.fixture
def internal_note(ticket, agent):
    return reply(ticket=ticket, author=agent, internal=True,
                 body="Customer is on the legacy cluster, do not tell them.",
                 attachments=(inbound_file("root-passwords.txt", b"hunter2"),))


def test_internal_notes_and_their_files_stay_hidden_from_the_customer(
        customer_client, ticket, internal_note):
    note_file = internal_note.attachments[0]
    content = customer_client.get(
        reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    assert "legacy cluster" not in content
    assert "root-passwords.txt" not in content
    assert f"/portal/attachments/{note_file.pk}/" not in content
    assert customer_client.get(
        reverse("portal:attachment", args=[note_file.pk])).status_code == 404


def test_internal_notes_and_their_files_stay_hidden_from_a_guest(client, ticket, internal_note):
    token = guest_token_for(ticket)
    note_file = internal_note.attachments[0]
    content = client.get(reverse("portal:guest_ticket", args=[token])).content.decode()
    assert "legacy cluster" not in content and "root-passwords.txt" not in content
    assert client.get(reverse("portal:guest_attachment",
                              args=[token, note_file.pk])).status_code == 404


def test_customer_cannot_post_an_internal_note(customer_client, ticket):
    # There is no such field; a forged one is ignored and the reply stays public.
    customer_client.post(reverse("portal:ticket_reply", args=[ticket.pk]),
                         {"body": "sneaky", "is_internal": "on"})
    assert not ticket.messages.filter(is_internal=True).exists()


def test_customer_cannot_set_other_statuses(customer_client, ticket):
    customer_client.post(reverse("portal:ticket_close", args=[ticket.pk]),
                         {"status": Status.RESOLVED})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
