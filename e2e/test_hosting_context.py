"""Issue 15's "Done means", end to end, in Turkish and in English.

A key-account customer with two services (a shared hosting account and a dedicated server)
opens a critical ticket about the shared one in the portal. The agent sees that service, its
server and the customer's tier beside the ticket, and one click on the server filters the
queue by it. The ticket runs under the shorter key-account promise (first response within 30
minutes), while a standard customer's critical ticket keeps the general one. (A reseller seeing
its end customer's ticket: e2e/test_resellers_and_profile.py.)
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from e2e.conftest import PEOPLE_SCRIPT, Person, RunningDestek, Shots, sign_in

pytestmark = pytest.mark.browser

# Run by `destek shell`: the customers' services through the hosting services (so their
# value and tier are computed as in production), and a standard customer's critical ticket.
SETUP_SCRIPT = """
from datetime import date
from decimal import Decimal
from destek.accounts.models import Department, User
from destek.hosting.models import Service
from destek.hosting.services import service_save
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel, Priority
lang = {lang!r}
key = User.objects.get(email={key_email!r})
standard = User.objects.get(email={standard_email!r})
shared = service_save(service=Service(
    customer=key, kind="shared", plan="Business Pro", domain=f"magaza-{{lang}}.example.com",
    server=f"web07-{{lang}}.ist.example.net", datacenter="Istanbul", control_panel="cpanel",
    control_panel_url="https://web07.ist.example.net:2083", started_on=date(2024, 3, 1),
    renews_on=date(2027, 3, 1), billing_cycle="annually", recurring_amount=Decimal("240")))
service_save(service=Service(
    customer=key, kind="dedicated", plan="Dedicated E5", domain=f"db-{{lang}}.example.com",
    server=f"rack7-node12-{{lang}}", datacenter="Frankfurt", started_on=date(2025, 6, 1),
    billing_cycle="monthly", recurring_amount=Decimal("650")))
service_save(service=Service(
    customer=standard, kind="shared", plan="Starter", domain=f"blog-{{lang}}.example.com",
    server=f"web02-{{lang}}.ist.example.net", billing_cycle="monthly",
    recurring_amount=Decimal("5")))
department = Department.objects.filter(is_public=True).order_by("pk").first()
opened = receive(InboundMessage(channel=Channel.PORTAL, author=standard,
                                department_id=department.pk, priority=Priority.CRITICAL,
                                subject=f"Blog down {{lang}}", body_text="Down since noon."))
print("SETUP=" + str(shared.pk) + "," + str(opened.ticket.pk))
"""

TEXTS = {
    "tr": {"key": "Kilit müşteri", "standard": "Standart",
           "subject": "Bu talep şununla ilgili:"},
    "en": {"key": "Key account", "standard": "Standard", "subject": "This ticket is about:"},
}
CRITICAL = "40"  # destek.tickets.models.Priority.CRITICAL


def _setup(server: RunningDestek, lang: str) -> tuple[dict[str, Person], int, int]:
    spec = {who: {"email": f"{who}.{lang}@hosting.e2e.destek.test",
                  "password": secrets.token_urlsafe(12), "name": f"{who.title()} {lang}",
                  "role": "customer", "language": lang}
            for who in ("key", "standard")}
    out = server.destek("shell", "-v", "0", "-c", PEOPLE_SCRIPT.format(spec=json.dumps(spec)))
    ids = json.loads(next(x for x in out.splitlines() if x.startswith("PEOPLE="))
                     .removeprefix("PEOPLE="))
    out = server.destek("shell", "-v", "0", "-c", SETUP_SCRIPT.format(
        lang=lang, key_email=spec["key"]["email"], standard_email=spec["standard"]["email"]))
    shared_id, standard_ticket = (int(x) for x in next(
        x for x in out.splitlines() if x.startswith("SETUP=")).removeprefix("SETUP=").split(","))
    people = {who: Person(key=who, pk=ids[who], email=p["email"], password=p["password"],
                          name=p["name"]) for who, p in spec.items()}
    return people, shared_id, standard_ticket


def _first_response_due_in(page: Any) -> timedelta:
    """How long the SLA panel gives the first response, from now."""
    due = page.get_by_test_id("sla-running-first_response").locator("time")
    stamp = due.get_attribute("datetime")
    assert stamp, "the first response has no deadline"
    return datetime.fromisoformat(stamp) - datetime.now().astimezone()


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_the_agent_knows_the_service_server_and_tier_and_key_accounts_get_answered_sooner(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    customers, shared_id, standard_ticket = _setup(destek_server, lang)
    texts = TEXTS[lang]
    shots = Shots(f"hosting-context-{lang}")

    # --- the customer opens a critical ticket about one of their two services ----------------
    page = new_context(lang).new_page()
    sign_in(page, destek_server, customers["key"])
    page.goto(f"{destek_server.url}/portal/tickets/new/")
    service = page.get_by_test_id("new-ticket-service")
    expect(service.locator("option")).to_have_count(3)  # "not about a service" and the two
    service.select_option(str(shared_id))
    page.get_by_test_id("new-ticket-priority").select_option(CRITICAL)
    page.get_by_test_id("new-ticket-subject").fill(f"Shop is down {lang}")
    page.get_by_test_id("new-ticket-body").fill("The shop answers 500 since 14:00.")
    shots(page, "portal-new-ticket")
    page.get_by_test_id("new-ticket-submit").click()
    page.wait_for_url(re.compile(r"/portal/tickets/\d+/$"))
    ticket_id = int(re.findall(r"/portal/tickets/(\d+)/", page.url)[0])
    expect(page.get_by_test_id("ticket-service")).to_contain_text(f"magaza-{lang}.example.com")

    # --- the agent sees the service, its server and the tier beside the ticket ----------------
    agent_page = new_context(lang).new_page()
    sign_in(agent_page, destek_server, people["agent"])
    agent_page.goto(f"{destek_server.url}/desk/tickets/{ticket_id}/")
    panel = agent_page.get_by_test_id("customer-panel")
    expect(panel.get_by_test_id("customer-tier")).to_have_text(texts["key"])
    about = panel.get_by_test_id("ticket-service")
    expect(about).to_contain_text(texts["subject"])
    expect(about).to_contain_text(f"magaza-{lang}.example.com")
    expect(about.get_by_test_id("service-server")).to_have_text(f"web07-{lang}.ist.example.net")
    expect(about.get_by_test_id("service-plan")).to_have_text("Business Pro")
    expect(panel.get_by_test_id("service")).to_contain_text(f"rack7-node12-{lang}")  # the other
    shots(agent_page, "desk-customer-panel")

    # --- a key account's critical ticket: first response within 30 minutes -------------------
    expect(agent_page.get_by_test_id("sla-policy")).to_contain_text("Key accounts")
    assert _first_response_due_in(agent_page) <= timedelta(minutes=30)
    # A standard customer's critical ticket keeps the general promise (1 hour).
    agent_page.goto(f"{destek_server.url}/desk/tickets/{standard_ticket}/")
    expect(agent_page.get_by_test_id("customer-tier")).to_have_text(texts["standard"])
    expect(agent_page.get_by_test_id("sla-policy")).not_to_contain_text("Key accounts")
    assert _first_response_due_in(agent_page) > timedelta(minutes=30)
    shots(agent_page, "desk-standard-ticket")

    # --- one click on the server filters the queue by it -------------------------------------
    agent_page.goto(f"{destek_server.url}/desk/tickets/{ticket_id}/")
    server_link = agent_page.get_by_test_id("ticket-service").get_by_test_id("service-server")
    target = server_link.get_attribute("target")
    if target and target != "_self":
        with agent_page.context.expect_page() as opened:
            server_link.click()
        queue = opened.value
    else:
        server_link.click()
        queue = agent_page
    queue.wait_for_url(re.compile(r"server="))
    expect(queue.get_by_test_id(f"queue-row-{ticket_id}")).to_be_visible()
    expect(queue.get_by_test_id(f"queue-row-{standard_ticket}")).to_have_count(0)
    expect(queue.get_by_test_id("service-filter-chips")).to_contain_text(
        f"web07-{lang}.ist.example.net")
    shots(queue, "desk-queue-by-server")
