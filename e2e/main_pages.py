"""The main pages of Destek, for the checks every page must pass (issue 16): no horizontal
overflow on a phone (test_small_screens.py) and no serious accessibility violation
(test_accessibility.py), in both languages.

A page is a path and who opens it. Paths with `{ticket}` or `{article}` are filled by
`resolve_ids` with rows of the running server's demo data. Add a page here when you build one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from e2e.conftest import RunningDestek


@dataclass(frozen=True)
class MainPage:
    name: str  # also the screenshot's file name
    path: str
    who: str  # "anonymous", or a key of the `people` fixture: customer_en, agent, admin…


MAIN_PAGES: tuple[MainPage, ...] = (
    # Visitors
    MainPage("help-center", "/kb/", "anonymous"),
    MainPage("faq", "/kb/faq/", "anonymous"),
    MainPage("kb-search", "/kb/search/?q=ssl", "anonymous"),
    MainPage("kb-article", "{article}", "anonymous"),
    MainPage("login", "/accounts/login/", "anonymous"),
    MainPage("signup", "/accounts/signup/", "anonymous"),
    MainPage("chat-widget-demo", "/chat/demo/", "anonymous"),
    MainPage("status-page", "/status/", "anonymous"),
    MainPage("ideas-board", "/ideas/", "anonymous"),
    MainPage("ideas-embed", "/ideas/embed/", "anonymous"),
    # Customers (the portal)
    MainPage("portal-tickets", "/portal/", "customer_en"),
    MainPage("portal-new-ticket", "/portal/tickets/new/", "customer_en"),
    MainPage("portal-ticket", "/portal/tickets/{ticket}/", "customer_en"),
    MainPage("portal-profile", "/portal/profile/", "customer_en"),
    MainPage("portal-data", "/portal/data/", "customer_en"),
    MainPage("status-webhooks", "/status/subscriptions/webhooks/", "customer_en"),
    MainPage("ideas-new", "/ideas/new/", "customer_en"),
    MainPage("ideas-idea", "/ideas/{idea}/", "customer_en"),
    # Agents (the desk)
    MainPage("desk-queue", "/desk/", "agent"),
    MainPage("desk-ticket", "/desk/tickets/{ticket}/", "agent"),
    MainPage("chat-console", "/desk/chat/", "agent"),
    MainPage("chat-history", "/desk/chat/history/", "agent"),
    MainPage("kb-editor", "/kb/desk/", "agent"),
    MainPage("ideas-idea-staff", "/ideas/{idea}/", "agent"),
    # Administrators
    MainPage("settings", "/desk/settings/", "admin"),
    MainPage("settings-departments", "/desk/settings/departments/", "admin"),
    MainPage("settings-people", "/desk/settings/people/", "admin"),
    MainPage("settings-business-hours", "/desk/settings/hours/", "admin"),
    MainPage("settings-sla-policies", "/desk/settings/sla/", "admin"),
    MainPage("settings-canned", "/desk/settings/canned/", "admin"),
    MainPage("settings-canned-new", "/desk/settings/canned/new/", "admin"),
    MainPage("settings-chat", "/desk/settings/chat/", "admin"),
    MainPage("settings-branding", "/desk/settings/branding/", "admin"),
    MainPage("settings-mailboxes", "/desk/settings/mailboxes/", "admin"),
    MainPage("settings-mailbox-add", "/desk/settings/mailboxes/add/", "admin"),
    MainPage("settings-email-templates", "/desk/settings/email-templates/", "admin"),
    MainPage("settings-email-template", "/desk/settings/email-templates/agent_reply/tr/",
             "admin"),
    MainPage("audit-log", "/desk/audit/", "admin"),
    MainPage("privacy", "/desk/privacy/", "admin"),
    # Status: the agents' pages (issue 17)
    MainPage("desk-incidents", "/desk/incidents/", "agent"),
    MainPage("desk-incident-new", "/desk/incidents/new/", "agent"),
    MainPage("desk-maintenance-new", "/desk/incidents/maintenance/new/", "agent"),
    MainPage("status-components", "/desk/incidents/components/", "admin"),
    MainPage("status-component-add", "/desk/incidents/components/new/", "admin"),
    MainPage("status-backup-add", "/desk/incidents/backups/new/", "admin"),
    MainPage("incident-monitoring", "/desk/incidents/monitoring/", "admin"),
    # Settings → Webhooks (issue 19)
    MainPage("settings-webhooks", "/desk/settings/webhooks/", "admin"),
    MainPage("settings-webhook-add", "/desk/settings/webhooks/new/", "admin"),
    # Triggers and automations (issue 19)
    MainPage("settings-triggers", "/desk/settings/triggers/", "admin"),
    MainPage("settings-trigger-new", "/desk/settings/triggers/new/", "admin"),
    MainPage("settings-automations", "/desk/settings/automations/", "admin"),
    MainPage("settings-automation-new", "/desk/settings/automations/new/", "admin"),
)

# A ticket and a suggestion of customer_en's (created once, idempotent) and the newest
# published article.
IDS_SCRIPT = """
import json
from destek.accounts.models import User
from destek.kb.models import Article
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel, Ticket
from django.urls import reverse
customer = User.objects.get(email={email!r})
ticket = Ticket.objects.filter(customer=customer).order_by("pk").first()
if ticket is None:
    receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                           subject="My website shows a 500 error since this morning",
                           body_text="Hello, https://shop.example.com returns 500. Can you look?"))
    ticket = Ticket.objects.filter(customer=customer).order_by("pk").first()
article = Article.objects.filter(status="published").order_by("-pk").first()
url = reverse("kb:article", args=[article.language, article.slug]) if article else "/kb/"
from destek.ideas.models import Idea, IdeaCategory
from destek.ideas.services import comment_create, idea_create
idea = Idea.objects.filter(author=customer).order_by("pk").first()
if idea is None:
    category = IdeaCategory.objects.order_by("pk").first() or IdeaCategory.objects.create(
        name="Control panel", name_tr="Kontrol paneli")
    idea = idea_create(author=customer, category_id=category.pk,
                       title="One-click staging copies of my WordPress site",
                       description="Let me copy my site to a staging address and back.")
    comment_create(actor=customer, idea=idea, body="Even better with a scheduled sync.")
print("IDS=" + json.dumps({{"ticket": ticket.pk, "article": url, "idea": idea.pk}}))
"""


def resolve_ids(server: RunningDestek, customer_email: str) -> dict[str, str]:
    out = server.destek("shell", "-v", "0", "-c", IDS_SCRIPT.format(email=customer_email))
    line = next(x for x in out.splitlines() if x.startswith("IDS="))
    return {k: str(v) for k, v in json.loads(line.removeprefix("IDS=")).items()}


def page_url(server: RunningDestek, page: MainPage, ids: dict[str, str]) -> str:
    path = page.path.format(**ids)
    return path if path.startswith("http") else server.url + path
