"""The desk's erasure and retention pages: administrators only, confirmation by typing the
address, the audit log, both languages; the `erase-customer` command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Department, Role, User
from destek.audit.models import Action, AuditEvent
from destek.privacy.erasure import is_erased
from destek.privacy.retention import retention_policy_get
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(AgentFactory(role=Role.ADMIN, email="boss@support.example.com"))
    return client


def _erase_url(user: User) -> str:
    return reverse("desk:privacy_erase", args=[user.pk])


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.OUTSOURCED])
def test_only_administrators_see_the_pages(client: Client, customer: User, role: str) -> None:
    client.force_login(AgentFactory(role=role))
    for url in (_erase_url(customer), reverse("desk:privacy_retention")):
        assert client.get(url).status_code == 404
        assert client.post(url, {"confirm_email": customer.email}).status_code == 404
    customer.refresh_from_db()
    assert not is_erased(customer)


def test_customers_get_404_and_visitors_the_login(client: Client, customer: User) -> None:
    assert client.get(_erase_url(customer)).status_code == 302
    client.force_login(customer)
    assert client.get(_erase_url(customer)).status_code == 404


def test_staff_cannot_be_erased_here(admin_client: Client, agent: User) -> None:
    assert admin_client.get(_erase_url(agent)).status_code == 404


def test_the_page_shows_the_counts_and_needs_the_address(
        admin_client: Client, customer: User, department: Department) -> None:
    open_ticket(customer=customer, department=department)
    page = admin_client.get(_erase_url(customer))
    assert page.status_code == 200
    html = page.content.decode()
    assert customer.email in html and 'data-testid="erasure-counts"' in html
    wrong = admin_client.post(_erase_url(customer), {"confirm_email": "someone@else.example"})
    assert wrong.status_code == 400
    assert "not the customer" in wrong.content.decode()
    customer.refresh_from_db()
    assert not is_erased(customer)

    done = admin_client.post(_erase_url(customer), {"confirm_email": customer.email.upper()},
                             follow=True)
    assert done.status_code == 200
    assert "personal data was erased" in done.content.decode()
    customer.refresh_from_db()
    assert is_erased(customer)
    event = AuditEvent.objects.get(action=Action.ERASED)
    assert event.target == f"user:{customer.pk}" and event.actor_label == \
        "boss@support.example.com" and event.detail["tickets"] == 1


def test_the_pages_speak_turkish(admin_client: Client, customer: User) -> None:
    admin_client.cookies["django_language"] = "tr"
    erase = admin_client.get(_erase_url(customer), HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert "Müşteriyi sil" in erase
    retention = admin_client.get(reverse("desk:privacy_retention"),
                                 HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert "Saklama kuralları" in retention and "Önizle (deneme)" in retention


def test_retention_page_previews_without_saving_and_saves_with_an_audit_row(
        admin_client: Client, customer: User, department: Department) -> None:
    url = reverse("desk:privacy_retention")
    assert admin_client.get(url).status_code == 200
    preview = admin_client.post(url, {"raw_email_days": "", "attachment_days": "",
                                      "chat_days": "", "closed_ticket_days": "0",
                                      "preview": "1"})
    assert preview.status_code == 200
    assert 'data-testid="retention-preview-counts"' in preview.content.decode()
    assert retention_policy_get().closed_ticket_days is None
    assert not AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED).exists()

    saved = admin_client.post(url, {"raw_email_days": "30", "attachment_days": "",
                                    "chat_days": "90", "closed_ticket_days": ""})
    assert saved.status_code == 302
    policy = retention_policy_get()
    assert (policy.raw_email_days, policy.attachment_days, policy.chat_days) == (30, None, 90)
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert event.target == "setting:retention"
    assert event.detail["after"]["raw_email_days"] == 30
    assert admin_client.post(url, {"raw_email_days": "-1"}).status_code == 400


def test_erase_customer_command(customer: User) -> None:
    out = StringIO()
    call_command("erase_customer", customer.email, stdout=out)
    assert "Nothing changed" in out.getvalue()
    customer.refresh_from_db()
    assert not is_erased(customer)
    call_command("erase_customer", customer.email, "--yes", stdout=out)
    customer.refresh_from_db()
    assert is_erased(customer)
    assert AuditEvent.objects.get(action=Action.ERASED).actor is None


def test_erasure_queries_do_not_grow_with_the_customers_history(
        department: Department, agent: User) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from destek.accounts.factories import CustomerFactory
    from destek.privacy.erasure import erase_customer
    from destek.tickets.factories import reply
    from destek.tickets.uploads import InboundFile

    def queries_for(tickets: int) -> int:
        customer = CustomerFactory()
        Client().force_login(customer)
        for n in range(tickets):
            ticket = open_ticket(customer=customer, department=department, cc=(
                "partner@example.org",), attachments=(
                InboundFile(name="a.txt", content=f"x{n}".encode(), content_type="text/plain"),))
            reply(ticket=ticket, author=agent, body="On it.")
        with CaptureQueriesContext(connection) as captured:
            erase_customer(customer, by=agent)
        return len(captured.captured_queries)

    queries_for(1)  # warms the per-process caches (content types)
    assert queries_for(1) == queries_for(5)
