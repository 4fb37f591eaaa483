"""Issue 18's satisfaction ratings, end to end, in Turkish and in English.

An agent resolves a customer's ticket; the worker that `destek run` started delivers the
"How did we do?" email; the customer, not signed in, follows its "bad" link: the page shows
that answer chosen and records nothing until they confirm with a comment marked as a
complaint; their ticket page then shows the rating, and so does the agent's ticket page on
the desk. Screenshots go to test-artifacts/satisfaction-<lang>/.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in, text_body, wait_for_mail

pytestmark = pytest.mark.browser

RESOLVE_SCRIPT = """
from destek.accounts.models import Department, User
from destek.tickets.factories import open_ticket
from destek.tickets.models import Status, Ticket
from destek.tickets.services.changes import ticket_update
customer = User.objects.get(pk={customer})
agent = User.objects.get(pk={agent})
ticket = open_ticket(customer=customer, department=Department.objects.order_by("pk").first(),
                     subject="{subject}", body="My mailbox does not receive mail.")
Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
ticket = Ticket.objects.get(pk=ticket.pk)
ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
print("TICKET=" + str(ticket.pk))
"""

WORDS = {"en": {"question": "How did we do?", "bad": "Bad"},
         "tr": {"question": "Nasıl yardımcı olduk?", "bad": "Kötü"}}


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_a_customer_rates_a_resolved_ticket_from_the_email(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    customer, agent = people[f"customer_{lang}"], people["agent"]
    subject = f"Mailbox {secrets.token_hex(3)}"
    out = destek_server.destek("shell", "-v", "0", "-c", RESOLVE_SCRIPT.format(
        customer=customer.pk, agent=agent.pk, subject=subject))
    ticket_id = int(next(x for x in out.splitlines() if x.startswith("TICKET="))[7:])
    survey = wait_for_mail(
        destek_server, lambda m: subject in str(m["Subject"]) and words["question"]
        in str(m["Subject"]), "asking how we did")
    body = text_body(survey)
    found = re.search(rf"^{words['bad']}: (\S+)", body, re.MULTILINE)
    assert found, body
    shots = Shots(f"satisfaction-{lang}")

    page = new_context(lang).new_page()
    page.goto(found.group(1))
    expect(page.get_by_test_id("rating-confirm")).to_contain_text(words["question"])
    expect(page.get_by_test_id("rating-score-1")).to_be_checked()
    shots(page, "link-opened")
    page.get_by_test_id("rating-comment").fill("The mailbox was down for two days.")
    page.get_by_test_id("rating-complaint").check()
    page.get_by_test_id("rating-submit").click()
    page.wait_for_url(re.compile(r"/portal/guest/"))
    expect(page.get_by_test_id("rating-widget")).to_contain_text(
        "The mailbox was down for two days.")
    expect(page.get_by_test_id("rating-widget")).to_contain_text(words["bad"])
    shots(page, "rated")

    desk = new_context(lang).new_page()
    sign_in(desk, destek_server, agent)
    desk.goto(f"{destek_server.url}/desk/tickets/{ticket_id}/")
    expect(desk.get_by_test_id("ticket-rating")).to_contain_text(
        "The mailbox was down for two days.")
    expect(desk.get_by_test_id("customer-ratings")).to_be_visible()
    shots(desk, "desk")
