"""A guest holding the signed link from a ticket email: that one ticket, nothing else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from destek.portal.tests.conftest import inbound_file, upload
from destek.tickets.access import guest_token_for
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Channel, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(ticket) -> str:  # type: ignore[no-untyped-def]
    # Tokens carry a timestamp: make one per test so URLs compare equal.
    return guest_token_for(ticket)


def guest_url(token: str, name: str = "guest_ticket", *args: object) -> str:
    return reverse(f"portal:{name}", args=[token, *args])


def test_guest_reads_the_conversation_without_signing_in(client, ticket, token):
    response = client.get(guest_url(token))
    content = response.content.decode()
    assert response.status_code == 200
    assert ticket.reference in content and "My site returns 500." in content
    assert 'data-testid="reply-form"' in content
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert "/portal/tickets/" not in content  # every action stays on the guest URLs


def test_guest_downloads_an_attachment(client, ticket, token):
    attachment = ticket.attachments.get()
    response = client.get(guest_url(token, "guest_attachment", attachment.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"500 Internal Server Error"


def test_guest_replies_as_the_customer(client, ticket, token):
    response = client.post(guest_url(token, "guest_reply"),
                           {"body": "Replying from my phone", "attachments": [upload()]})
    assert response.status_code == 302
    assert response["Location"] == guest_url(token)
    message = ticket.messages.order_by("pk").last()
    assert message.author == ticket.customer
    assert message.channel == Channel.PORTAL
    assert message.attachments.count() == 1
    assert "Your reply has been sent." in client.get(response["Location"]).content.decode()


def test_guest_empty_reply_is_refused(client, ticket, token):
    response = client.post(guest_url(token, "guest_reply"), {"body": ""})
    assert response.status_code == 400
    assert "The message is empty." in response.content.decode()
    assert ticket.messages.count() == 1


def test_guest_closes_and_reopens(client, ticket, token):
    client.post(guest_url(token, "guest_close"))
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.events.get(kind="status").actor == ticket.customer
    client.post(guest_url(token, "guest_reopen"))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_a_link_opens_only_its_own_ticket(client, ticket, other_customer, department, token):
    other = open_ticket(customer=other_customer, department=department, subject="Other")
    foreign = reply(ticket=other, author=other_customer, channel=Channel.PORTAL,
                    attachments=(inbound_file("theirs.txt", b"secret"),)).attachments[0]
    response = client.get(guest_url(token, "guest_attachment", foreign.pk))
    assert response.status_code == 404
    assert b"secret" not in response.content
    assert "Other" not in client.get(guest_url(token)).content.decode()


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
    lambda t: "x" + t,  # payload changed
    lambda t: "not-a-token",
])
def test_a_tampered_link_is_404(client, ticket, mangle):
    token = mangle(guest_token_for(ticket))
    response = client.get(reverse("portal:guest_ticket", args=[token]))
    assert response.status_code == 404
    assert b'data-testid="guest-invalid"' in response.content
    assert client.post(reverse("portal:guest_reply", args=[token]),
                       {"body": "hi"}).status_code == 404
    assert client.post(reverse("portal:guest_close", args=[token])).status_code == 404
    assert client.get(reverse("portal:guest_attachment",
                              args=[token, ticket.attachments.get().pk])).status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.messages.count() == 1


def test_an_expired_link_is_404(client, ticket, monkeypatch, token):
    monkeypatch.setattr("destek.tickets.access.GUEST_LINK_MAX_AGE", -1)
    response = client.get(guest_url(token))
    assert response.status_code == 404
    assert "This link is invalid or has expired." in response.content.decode()



def test_the_link_in_ticket_emails_opens_the_guest_page(client, ticket, settings):
    from destek.notifications.links import customer_ticket_url

    url = customer_ticket_url(ticket)
    response = client.get(url.removeprefix(settings.BASE_URL.rstrip("/")))
    assert response.status_code == 200
    assert ticket.reference in response.content.decode()
