"""Issue 12, hole 2: an offline message typed in a customer's name is marked unverified, as
the chat already marks a visitor who is not signed in; a signed-in customer's is not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from destek.livechat.services.tickets import chat_offline_message

pytestmark = pytest.mark.django_db


def test_an_offline_message_in_a_customers_name_is_unverified(customer, department,
                                                               agent_client):
    result = chat_offline_message(name="Not really", email=customer.email,
                                  body="Reset my password please", department_id=department.pk,
                                  language="en", message_id="off-spoof")
    assert result.ticket.customer == customer  # filed under the address typed…
    assert result.message.sender_verified is False  # …but flagged
    page = agent_client.get(reverse("desk:ticket", kwargs={"ticket_id": result.ticket.pk}))
    assert 'data-testid="unverified-sender-badge"' in page.content.decode()


def test_a_signed_in_customers_offline_message_is_verified(customer, department):
    result = chat_offline_message(name="Me", email=customer.email, body="Call me",
                                  department_id=department.pk, language="en",
                                  message_id="off-signed-in", customer=customer)
    assert result.message.sender_verified is True
