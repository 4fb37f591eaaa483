"""Issue 18's recovery loop, end to end, in Turkish and in English ("Done means").

A customer rates a resolved ticket "bad" from the "How did we do?" email; a recovery ticket
opens for the department's supervisor on the SLA clock with a 1-hour first-response deadline
and the customer shows "at risk"; the supervisor resolves it in the desk; the customer is
asked "How did we do now?" by email and changes their rating to "good" in the portal.
Screenshots go to test-artifacts/recovery-<lang>/.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from e2e.conftest import (
    PEOPLE_SCRIPT,
    Person,
    RunningDestek,
    Shots,
    sign_in,
    text_body,
    wait_for_mail,
)

pytestmark = pytest.mark.browser

# The supervisor leads (and works in) the department of the customer's ticket, which an
# agent resolves: the worker then sends the "How did we do?" email.
SETUP_SCRIPT = """
from destek.accounts.models import Department, DepartmentMembership, User
from destek.tickets.factories import open_ticket
from destek.tickets.models import Status, Ticket
from destek.tickets.services.changes import ticket_update
customer = User.objects.get(pk={customer})
agent = User.objects.get(pk={agent})
supervisor = User.objects.get(pk={supervisor})
department = Department.objects.order_by("pk").first()
DepartmentMembership.objects.get_or_create(department=department, agent=supervisor)
Department.objects.filter(pk=department.pk).update(supervisor=supervisor)
ticket = open_ticket(customer=customer, department=department,
                     subject="{subject}", body="My website shows a 500 error.")
Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
ticket = Ticket.objects.get(pk=ticket.pk)
ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
print("TICKET=" + str(ticket.pk))
"""

RECOVERY_SCRIPT = """
import json
from destek.feedback.models import Recovery
from destek.sla.models import TicketSla
r = Recovery.objects.select_related("ticket").get(rating__ticket_id={ticket})
sla = TicketSla.objects.filter(ticket_id=r.ticket_id).first()
print("RECOVERY=" + json.dumps({{
    "ticket": r.ticket_id, "subject": r.ticket.subject, "assignee": r.ticket.assignee_id,
    "priority": r.ticket.priority, "state": r.state,
    "tags": sorted(t.name for t in r.ticket.tags.all()),
    "created": r.ticket.created_at.isoformat(),
    "minutes": sla.first_response_minutes if sla else None,
    "due": sla.first_response_due.isoformat() if sla and sla.first_response_due else None,
}}))
"""

RATING_SCRIPT = """
from destek.feedback.models import Rating, Recovery
rating = Rating.objects.get(ticket_id={ticket})
print("RATING=" + str(rating.score) + ":" + Recovery.objects.get(rating=rating).state)
"""

WORDS = {
    "en": {"question": "How did we do?", "bad": "Bad", "good": "Good",
           "recovery": "Recovery: ", "again": "How did we do now?"},
    "tr": {"question": "Nasıl yardımcı olduk?", "bad": "Kötü", "good": "İyi",
           "recovery": "Geri kazanım: ", "again": "Şimdi nasıldık?"},
}


def _line(out: str, prefix: str) -> str:
    return next(x for x in out.splitlines() if x.startswith(prefix)).removeprefix(prefix)


def _supervisor(server: RunningDestek, lang: str) -> Person:
    spec = {"supervisor": {"email": f"supervisor.{lang}.{secrets.token_hex(3)}@e2e.destek.test",
                           "password": secrets.token_urlsafe(12), "name": f"Selin Lider {lang}",
                           "role": "supervisor", "language": "en"}}
    out = server.destek("shell", "-v", "0", "-c", PEOPLE_SCRIPT.format(spec=json.dumps(spec)))
    p = spec["supervisor"]
    return Person(key="supervisor", pk=json.loads(_line(out, "PEOPLE="))["supervisor"],
                  email=p["email"], password=p["password"], name=p["name"])


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_a_bad_rating_is_recovered_by_the_supervisor_and_the_customer_rerates(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    customer, agent = people[f"customer_{lang}"], people["agent"]
    supervisor = _supervisor(destek_server, lang)
    subject = f"Website down {secrets.token_hex(3)}"
    out = destek_server.destek("shell", "-v", "0", "-c", SETUP_SCRIPT.format(
        customer=customer.pk, agent=agent.pk, supervisor=supervisor.pk, subject=subject))
    ticket_id = int(_line(out, "TICKET="))
    shots = Shots(f"recovery-{lang}")

    # --- the customer rates it "bad" from the email, without signing in -----------------------
    survey = wait_for_mail(
        destek_server, lambda m: subject in str(m["Subject"]) and words["question"]
        in str(m["Subject"]), "asking how we did")
    found = re.search(rf"^{words['bad']}: (\S+)", text_body(survey), re.MULTILINE)
    assert found, text_body(survey)
    guest = new_context(lang).new_page()
    guest.goto(found.group(1))
    expect(guest.get_by_test_id("rating-score-1")).to_be_checked()
    guest.get_by_test_id("rating-comment").fill("The site was down all weekend.")
    shots(guest, "bad-link-opened")
    guest.get_by_test_id("rating-submit").click()
    guest.wait_for_url(re.compile(r"/portal/guest/"))
    expect(guest.get_by_test_id("rating-widget")).to_contain_text(words["bad"])

    # --- a recovery ticket for the supervisor, critical, 1-hour first response ----------------
    recovery = json.loads(_line(destek_server.destek(
        "shell", "-v", "0", "-c", RECOVERY_SCRIPT.format(ticket=ticket_id)), "RECOVERY="))
    assert recovery["subject"] == words["recovery"] + subject
    assert recovery["assignee"] == supervisor.pk and recovery["priority"] == 40  # critical
    assert "recovery" in recovery["tags"] and recovery["state"] == "open"
    assert recovery["minutes"] == 60 and recovery["due"] is not None, recovery
    created = datetime.fromisoformat(recovery["created"])
    due = datetime.fromisoformat(recovery["due"])
    assert 59 * 60 <= (due - created).total_seconds() <= 61 * 60, (created, due)

    desk = new_context("en").new_page()
    sign_in(desk, destek_server, supervisor)
    desk.goto(f"{destek_server.url}/desk/tickets/{recovery['ticket']}/")
    expect(desk.get_by_test_id("ticket-subject")).to_contain_text(
        words["recovery"] + subject)
    expect(desk.get_by_test_id("sla-target-first_response")).to_have_text("1 h")
    countdown = desk.get_by_test_id("sla-running-first_response").locator("time")
    shown_due = datetime.fromisoformat(countdown.get_attribute("datetime") or "")
    if shown_due.tzinfo is None:
        shown_due = shown_due.replace(tzinfo=UTC)
    assert abs((shown_due - due).total_seconds()) < 60, (shown_due, due)
    minutes_left = (shown_due - datetime.now(UTC)).total_seconds() / 60
    assert 50 <= minutes_left <= 61, minutes_left
    expect(desk.get_by_test_id("customer-at-risk")).to_be_visible()
    shots(desk, "recovery-ticket")

    # --- the supervisor resolves it: the customer is no longer at risk -----------------------
    desk.get_by_test_id("reply-body").fill("We moved your site to a new server; sorry!")
    desk.get_by_test_id("reply-status").select_option("resolved")
    desk.get_by_test_id("reply-submit").click()
    expect(desk.get_by_test_id("ticket-status")).to_contain_text("Resolved")
    desk.goto(f"{destek_server.url}/desk/tickets/{ticket_id}/")
    expect(desk.get_by_test_id("customer-ratings")).to_be_visible()
    expect(desk.get_by_test_id("customer-at-risk")).to_have_count(0)
    shots(desk, "recovered")

    # --- "How did we do now?" in the customer's language; they change the rating to good ------
    again = wait_for_mail(
        destek_server, lambda m: customer.email in str(m["To"]) and words["again"]
        in str(m["Subject"]) and f"/portal/tickets/{ticket_id}/" in text_body(m),
        "asking how we did now")
    link = re.search(r"\S+/portal/tickets/\d+/", text_body(again))
    assert link, text_body(again)
    page = new_context(lang).new_page()
    sign_in(page, destek_server, customer)
    page.goto(link.group(0))
    widget = page.get_by_test_id("rating-widget")
    expect(widget).to_contain_text(words["bad"])
    widget.locator("label[for=score-page-5]").click()
    expect(widget.get_by_test_id("rating-score-5")).to_be_checked()
    widget.get_by_test_id("rating-comment").fill("Fixed quickly after all, thank you.")
    widget.get_by_test_id("rating-submit").click()
    expect(page.get_by_test_id("rating-display")).to_contain_text(words["good"])
    expect(page.get_by_test_id("rating-display")).to_contain_text("Fixed quickly")
    shots(page, "rerated")
    rated = _line(destek_server.destek(
        "shell", "-v", "0", "-c", RATING_SCRIPT.format(ticket=ticket_id)), "RATING=")
    assert rated == "5:resolved", rated
