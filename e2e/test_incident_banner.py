"""Issue 17, incidents and tickets, in a browser: a customer with a service on a server an open
incident is declared on sees "we know about this" on the portal's new-ticket form and in the
chat widget (on Destek's own page, where the widget knows them), under the Content-Security-
Policy; the ticket they open is linked to the incident and the agent sees it on the ticket.

The running server caches the open incidents (destek.status.links, up to 60 s in a process
whose cache another process cannot clear): the page is reloaded until the banner shows.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from e2e.conftest import Person, RunningDestek, sign_in

pytestmark = pytest.mark.browser

SETUP = """
import json
from destek.accounts.models import User
from destek.hosting.factories import ServiceFactory
from destek.status.models import Component
from destek.status.services import IncidentDraft, incident_create
customer = User.objects.get(pk={customer})
component, _ = Component.objects.get_or_create(
    slug="e2e-web-42", defaults={{"name": "Shared hosting web-42", "servers": ["e2e-web-42"]}})
if not customer.services.filter(server="e2e-web-42").exists():
    ServiceFactory(customer=customer, server="e2e-web-42")
incident = incident_create(actor=None, draft=IncidentDraft(
    title="Web-42 is unreachable", title_tr="Web-42 erişilemiyor",
    body="Our network team is on it.", body_tr="Ağ ekibimiz ilgileniyor.",
    components=[component]))
print("INCIDENT=" + json.dumps(incident.pk))
"""

LINKED = """
from destek.status.models import IncidentTicket
print("LINKED=" + str(IncidentTicket.objects.filter(incident_id={incident}).count()))
"""

WAIT_FOR_CACHE_S = 75.0


def test_an_affected_customer_is_told_and_their_ticket_is_linked(
        destek_server: RunningDestek, people: dict[str, Person], new_context: Any) -> None:
    from playwright.sync_api import expect

    customer = people["customer_tr"]
    out = destek_server.destek("shell", "-v", "0", "-c", SETUP.format(customer=customer.pk))
    incident = json.loads(next(x for x in out.splitlines()
                               if x.startswith("INCIDENT=")).removeprefix("INCIDENT="))

    page = new_context("tr").new_page()
    sign_in(page, destek_server, customer)
    banner = page.get_by_test_id(f"incident-banner-{incident}")
    deadline = time.monotonic() + WAIT_FOR_CACHE_S
    while True:
        page.goto(f"{destek_server.url}/portal/tickets/new/")
        if banner.count() or time.monotonic() > deadline:
            break
        time.sleep(3)
    expect(banner).to_contain_text("Web-42 erişilemiyor")
    expect(banner).to_contain_text("Ağ ekibimiz ilgileniyor.")
    expect(banner.get_by_test_id("incident-banner-link")).to_have_attribute(
        "href", f"/status/incidents/{incident}/")

    # The chat widget on Destek's own page knows the signed-in customer.
    page.goto(f"{destek_server.url}/chat/demo/")
    page.get_by_test_id("chat-launcher").click()
    expect(page.get_by_test_id(f"chat-incident-{incident}")).to_contain_text(
        "Web-42 erişilemiyor")

    # A ticket opened now is linked to the incident.
    page.goto(f"{destek_server.url}/portal/tickets/new/")
    form = page.get_by_test_id("new-ticket-form")
    form.locator("[name=subject]").fill("Sitem açılmıyor")
    form.locator("[name=body]").fill("web-42 üzerindeki sitem açılmıyor.")
    page.get_by_test_id("new-ticket-submit").click()
    page.wait_for_url(lambda url: "/tickets/new/" not in url)
    out = destek_server.destek("shell", "-v", "0", "-c", LINKED.format(incident=incident))
    assert "LINKED=1" in out
