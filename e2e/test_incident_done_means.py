"""Issue 17's "Done means", end to end in a browser: an agent declares an incident on a server;
only the customers with services on it are emailed (each in their language) and see the banner;
a customer's new ticket is linked to it; resolving the incident and then the linked tickets with
a final message tells everyone; the public status page, the incident's page and the Atom feed
show it all.

Caches in the running server (open incidents: up to 60 s; the public page: up to 30 s) are
waited out by reloading, bounded.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest

from e2e.conftest import PEOPLE_SCRIPT, Person, RunningDestek, sign_in, text_body, wait_for_mail

pytestmark = pytest.mark.browser

SETUP = """
from destek.accounts.models import User
from destek.hosting.models import Service
from destek.status.models import Component
Component.objects.create(slug={server!r}, name="Shared hosting " + {server!r},
                         name_tr="Paylaşımlı barındırma " + {server!r}, servers=[{server!r}])
for pk, server in [({a}, {server!r}), ({b}, {server!r}), ({c}, {other!r})]:
    Service.objects.create(customer=User.objects.get(pk=pk), server=server, plan="Starter",
                           domain=f"site{{pk}}.e2e.test")
print("SEEDED")
"""

CACHE_WAIT_S = 75.0


def _reload_until(page: Any, url: str, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + CACHE_WAIT_S
    while True:
        page.goto(url)
        if ready() or time.monotonic() > deadline:
            return
        time.sleep(3)


def _to(address: str) -> Callable[[EmailMessage], bool]:
    return lambda m: address in str(m["To"])


def test_done_means_declare_notify_link_resolve_and_publish(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any]) -> None:
    from playwright.sync_api import expect

    tag = secrets.token_hex(3)
    server, other = f"e2e-dm-{tag}", f"e2e-dm-other-{tag}"
    spec = {
        key: {"email": f"dm-{key}-{tag}@e2e.destek.test", "password": secrets.token_urlsafe(12),
              "name": name, "role": "customer", "language": language}
        for key, name, language in [("a", "Alice Affected", "en"),
                                    ("b", "Bora Etkilenen", "tr"),
                                    ("c", "Carol Elsewhere", "en")]}
    out = destek_server.destek("shell", "-v", "0", "-c",
                               PEOPLE_SCRIPT.format(spec=json.dumps(spec)))
    ids = json.loads(next(x for x in out.splitlines()
                          if x.startswith("PEOPLE=")).removeprefix("PEOPLE="))
    a, b, c = (Person(key=k, pk=ids[k], email=spec[k]["email"], password=spec[k]["password"],
                      name=spec[k]["name"]) for k in ("a", "b", "c"))
    destek_server.destek("shell", "-v", "0", "-c", SETUP.format(
        server=server, other=other, a=a.pk, b=b.pk, c=c.pk))
    title, title_tr = f"Server {server} is down", f"{server} sunucusu çalışmıyor"

    # 1. The agent declares the incident in the browser; the preview counts A and B.
    desk = new_context("en").new_page()
    sign_in(desk, destek_server, people["agent"])
    desk.goto(f"{destek_server.url}/desk/incidents/new/")
    desk.locator("input[name=title]").fill(title)
    desk.locator("input[name=title_tr]").fill(title_tr)
    desk.get_by_test_id(f"component-{server}").check()
    expect(desk.get_by_test_id("affected-count")).to_have_attribute("data-count", "2")
    expect(desk.get_by_test_id("affected-count")).to_contain_text("notify 2 customers")
    desk.locator("textarea[name=body]").fill("Our network team is on it.")
    desk.locator("textarea[name=body_tr]").fill("Ağ ekibimiz ilgileniyor.")
    desk.get_by_test_id("publish").click()
    desk.wait_for_url(re.compile(r"/desk/incidents/\d+/$"))
    incident = int(desk.url.rstrip("/").rsplit("/", 1)[1])
    incident_desk_url = desk.url

    # 2. Only the affected customers are emailed, each in their language.
    mail_a = wait_for_mail(destek_server, lambda m: _to(a.email)(m) and title in str(
        m["Subject"]), "declared, to A")
    assert str(mail_a["Subject"]).startswith("[Incident]")
    assert "Our network team is on it." in text_body(mail_a)
    mail_b = wait_for_mail(destek_server, lambda m: _to(b.email)(m) and title_tr in str(
        m["Subject"]), "declared, to B")
    assert str(mail_b["Subject"]).startswith("[Kesinti]")
    assert "Ağ ekibimiz ilgileniyor." in text_body(mail_b)
    assert not any(c.email.encode() in raw for raw in destek_server.sent_mail())

    # 3. A sees the banner; C does not. A's new ticket is linked to the incident.
    portal_a = new_context("en").new_page()
    sign_in(portal_a, destek_server, a)
    banner = portal_a.get_by_test_id(f"incident-banner-{incident}")
    _reload_until(portal_a, f"{destek_server.url}/portal/tickets/new/", lambda: bool(
        banner.count()))
    expect(banner).to_contain_text(title)
    portal_c = new_context("en").new_page()
    sign_in(portal_c, destek_server, c)
    portal_c.goto(f"{destek_server.url}/portal/tickets/new/")
    expect(portal_c.get_by_test_id("new-ticket-form")).to_be_visible()
    expect(portal_c.get_by_test_id(f"incident-banner-{incident}")).to_have_count(0)

    form = portal_a.get_by_test_id("new-ticket-form")
    form.locator("[name=subject]").fill(f"My site on {server} is down")
    form.locator("[name=body]").fill("Nothing loads since this morning.")
    portal_a.get_by_test_id("new-ticket-submit").click()
    portal_a.wait_for_url(lambda url: "/tickets/new/" not in url)

    # 4. The agent sees A's ticket on the incident, resolves the incident, then the tickets.
    desk.goto(incident_desk_url)
    tickets = desk.get_by_test_id("incident-ticket-list")
    expect(tickets.locator("tr", has_text=f"My site on {server} is down")).to_have_count(1)
    update = desk.get_by_test_id("update-form")
    update.locator("select[name=state]").select_option("resolved")
    update.locator("textarea[name=body]").fill("A disk was replaced; all sites are back.")
    update.locator("textarea[name=body_tr]").fill("Disk değiştirildi; tüm siteler açık.")
    desk.get_by_test_id("update-post").click()
    expect(desk.get_by_test_id("timeline-entry")).to_have_count(2)
    expect(desk.get_by_test_id("incident-state")).to_have_text("Resolved")
    final = f"The incident on {server} is over; your site is back. {tag}"
    desk.get_by_test_id("resolve-linked-form").locator("textarea[name=body]").fill(final)
    desk.get_by_test_id("resolve-linked-submit").click()
    progress = desk.get_by_test_id("linked-reply-progress")
    _reload_until(desk, incident_desk_url,
                  lambda: progress.get_attribute("data-state") == "done")
    expect(progress).to_have_attribute("data-state", "done")
    row = desk.get_by_test_id("incident-ticket-list").locator(
        "tr", has_text=f"My site on {server} is down")
    expect(row).to_contain_text("Resolved")

    # 5. Everyone is told: the resolved update in each language, A's ticket's final message.
    wait_for_mail(destek_server, lambda m: _to(a.email)(m) and str(m["Subject"]).endswith(
        f"{title}: Resolved"), "resolved, to A")
    resolved_b = wait_for_mail(destek_server, lambda m: _to(b.email)(m) and str(
        m["Subject"]).endswith(f"{title_tr}: Çözüldü"), "resolved, to B")
    assert "Disk değiştirildi; tüm siteler açık." in text_body(resolved_b)
    wait_for_mail(destek_server, lambda m: _to(a.email)(m) and final in text_body(m),
                  "the final message on A's ticket")
    assert not any(c.email.encode() in raw for raw in destek_server.sent_mail())

    # 6. The public page, the incident's page and the feed show it.
    public = new_context("en").new_page()
    past = public.get_by_test_id(f"status-past-{incident}")
    _reload_until(public, f"{destek_server.url}/status/", lambda: bool(past.count()))
    expect(past).to_contain_text(title)
    public.goto(f"{destek_server.url}/status/incidents/{incident}/")
    expect(public.get_by_test_id("incident-title")).to_have_text(title)
    expect(public.get_by_test_id("incident-state")).to_have_text("Resolved")
    timeline = public.get_by_test_id("incident-timeline")
    expect(timeline.get_by_test_id("status-update")).to_have_count(2)
    expect(timeline).to_contain_text("Our network team is on it.")
    expect(timeline).to_contain_text("A disk was replaced; all sites are back.")
    feed = public.request.get(f"{destek_server.url}/status/feed.atom")
    assert feed.ok
    assert title in feed.text()
