"""Canned responses: known placeholders are filled, anything else is left as written."""

from __future__ import annotations

import pytest

from destek.tickets.factories import open_ticket
from destek.tickets.models import CannedResponse
from destek.tickets.services.canned import canned_response_render, render_text

pytestmark = pytest.mark.django_db


def test_all_placeholders_are_filled(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department, subject="SSL renewal")
    canned = CannedResponse.objects.create(
        title="Greeting",
        body="Hello {customer_name} <{customer_email}>, {ticket_number} '{ticket_subject}' "
             "is with {department}. {agent_name}",
    )
    text = canned_response_render(canned=canned, ticket=ticket, agent=agent)
    assert text == (
        f"Hello Deniz Müşteri <{customer.email}>, {ticket.reference} 'SSL renewal' "
        "is with Technical support. Mehmet Agent"
    )


def test_department_follows_the_response_language(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department)
    canned = CannedResponse.objects.create(title="tr", body="{department}", language="tr")
    assert canned_response_render(canned=canned, ticket=ticket, agent=agent) == "Teknik destek"


def test_customer_without_name_is_addressed_by_email(agent, department):
    from destek.accounts.factories import CustomerFactory

    nameless = CustomerFactory(full_name="")
    ticket = open_ticket(customer=nameless, department=department)
    canned = CannedResponse.objects.create(title="t", body="Hi {customer_name}")
    assert canned_response_render(canned=canned, ticket=ticket, agent=agent) == (
        f"Hi {nameless.email}"
    )


@pytest.mark.parametrize(
    "template",
    [
        "{unknown}",
        "{0} and {}",
        "{customer_name.__class__}",
        "{customer_name!r}",
        "unbalanced { brace",
        "}{",
        "{{literal}}",
        "{CUSTOMER_NAME}",
    ],
)
def test_other_text_is_left_as_is(template):
    values = {"customer_name": "X", "literal": "L"}
    rendered = render_text(template, values)
    assert "X" not in rendered
    if template == "{{literal}}":
        assert rendered == "{L}"
    else:
        assert rendered == template


def test_values_are_not_reinterpreted():
    assert render_text("{a} {b}", {"a": "{b}", "b": "B"}) == "{b} B"
