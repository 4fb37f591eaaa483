"""The "At risk" badge of the customer panel (issue 18): beside a ticket and beside a chat,
while the customer has an open recovery."""

from __future__ import annotations

import pytest
from django.urls import reverse

from destek.feedback.models import Rating, RatingScale, RatingSource, Recovery, RecoveryState
from destek.livechat.services.conversations import chat_start
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

BADGE = 'data-testid="customer-at-risk"'


def test_at_risk_beside_tickets_and_chats(client, agent, customer, department):
    ticket = open_ticket(customer=customer, department=department)
    chat = chat_start(customer=customer, name="", email="", topic="Mail bounces",
                      department_id=department.pk, language="en")
    client.force_login(agent)
    pages = [reverse("desk:ticket", args=[ticket.pk]),
             reverse("desk:chat_customer_panel", args=[chat.pk])]
    assert all(BADGE not in client.get(p).content.decode() for p in pages)
    # Only a rating opens a recovery (destek.feedback.recovery): a bad one.
    rating = Rating.objects.create(ticket=ticket, customer=customer, scale=RatingScale.THREE,
                                   score=1, source=RatingSource.EMAIL)
    recovery = Recovery.objects.create(rating=rating, customer=customer,
                                       state=RecoveryState.OPEN)
    assert all(BADGE in client.get(p).content.decode() for p in pages)
    Recovery.objects.filter(pk=recovery.pk).update(state=RecoveryState.RESOLVED)
    assert all(BADGE not in client.get(p).content.decode() for p in pages)
