"""Settings → Email templates: every email listed with its built-in text, edits that start from
it, a preview with sample values in both languages, saving (which the worker then uses),
resetting, and who may do it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role
from destek.audit.models import Action, AuditEvent
from destek.notifications.catalog import KINDS
from destek.notifications.models import EmailTemplate, OutboundEmail
from destek.notifications.rendering import render_notification, shipped_source
from destek.notifications.testing import render_outbox
from destek.tickets.factories import open_ticket, reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db: None) -> Any:
    return AgentFactory(full_name="Ayşe Yönetici", role=Role.ADMIN)


@pytest.fixture
def admin_client(client: Client, admin: Any) -> Client:
    client.force_login(admin)
    return client


def edit_url(key: str = "ticket_opened", language: str = "en") -> str:
    return reverse("settings:email_template_edit", args=[key, language])


def test_every_email_is_listed_with_its_built_in_text(admin_client):
    page = admin_client.get(reverse("settings:email_templates")).content.decode()
    for kind in KINDS:
        assert f'data-testid="email-template-{kind.key}"' in page
        for language in ("en", "tr"):
            # Each one ships in both languages (the list reads them).
            assert shipped_source(key=kind.key, language=language).body.strip()
    assert "customised-" not in page


def test_the_editor_starts_from_the_built_in_text(admin_client):
    page = admin_client.get(edit_url("agent_reply", "tr")).content.decode()
    shipped = shipped_source(key="agent_reply", language="tr")
    assert shipped.subject in page
    assert "{{ author_name }}" in page  # the placeholder list
    # The preview is rendered with sample values, in Turkish, next to the English one.
    assert 'data-testid="email-preview"' in page and 'data-testid="email-preview-en"' in page
    assert "T-1042" in page


def test_the_preview_renders_what_is_typed(admin_client):
    response = admin_client.post(
        reverse("settings:email_template_preview", args=["ticket_opened", "tr"]),
        {"subject": "Talebiniz {{ reference }}", "body": "Merhaba {{ recipient_name }}"},
        HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Talebiniz T-1042" in page and "Merhaba Deniz Yılmaz" in page
    broken = admin_client.post(
        reverse("settings:email_template_preview", args=["ticket_opened", "tr"]),
        {"subject": "{% if %}", "body": "x"}).content.decode()
    assert 'data-testid="preview-error"' in broken
    assert not EmailTemplate.objects.exists()


def test_a_saved_text_is_what_the_worker_sends(admin_client):
    response = admin_client.post(edit_url("ticket_opened", "en"), {
        "subject": "We got it: {{ reference }}", "body": "Hi {{ recipient_name }}, thanks."})
    assert response.status_code == 302
    row = EmailTemplate.objects.get(key="ticket_opened", language="en")
    assert row.subject == "We got it: {{ reference }}"
    rendered = render_notification(key="ticket_opened", language="en",
                                   context={"reference": "T-7", "recipient_name": "Ali"})
    assert rendered.subject == "We got it: T-7" and rendered.body == "Hi Ali, thanks.\n"
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert event.target == "email_template:ticket_opened.en"
    listing = admin_client.get(reverse("settings:email_templates")).content.decode()
    assert 'data-testid="customised-ticket_opened-en"' in listing


def test_a_template_that_does_not_render_is_refused(admin_client):
    response = admin_client.post(edit_url(), {"subject": "{% if %}", "body": "x"})
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode()
    assert not EmailTemplate.objects.exists()
    assert not AuditEvent.objects.exists()


def test_sla_and_chat_emails_can_be_changed_too(admin_client):
    admin_client.post(edit_url("sla_breach", "tr"),
                      {"subject": "İhlal: {{ reference }}", "body": "{{ metric }} {{ target }}"})
    rendered = render_notification(key="sla_breach", language="tr",
                                   context={"reference": "T-9", "metric": "x", "target": "y"})
    assert rendered.subject == "İhlal: T-9"


def test_reset_goes_back_to_the_built_in_text(admin_client):
    EmailTemplate.objects.create(key="agent_reply", language="tr", subject="Eski", body="Eski")
    response = admin_client.post(
        reverse("settings:email_template_reset", args=["agent_reply", "tr"]))
    assert response.status_code == 302
    assert not EmailTemplate.objects.exists()
    assert AuditEvent.objects.filter(detail__change="reset").exists()


def test_saving_the_built_in_text_keeps_following_it(admin_client):
    shipped = shipped_source(key="agent_reply", language="en")
    admin_client.post(edit_url("agent_reply", "en"),
                      {"subject": shipped.subject, "body": shipped.body})
    assert not EmailTemplate.objects.exists()


def test_unknown_emails_and_languages_are_404(admin_client):
    assert admin_client.get(edit_url("nope", "en")).status_code == 404
    assert admin_client.get(edit_url("ticket_opened", "de")).status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.OUTSOURCED])
def test_only_admins_edit_templates(client, role):
    client.force_login(AgentFactory(role=role))
    assert client.get(reverse("settings:email_templates")).status_code == 404
    assert client.get(edit_url()).status_code == 404
    assert client.post(edit_url(), {"subject": "x", "body": "y"}).status_code == 404
    assert client.post(reverse("settings:email_template_reset",
                               args=["ticket_opened", "en"])).status_code == 404
    assert not EmailTemplate.objects.exists()


def test_customers_get_404(customer_client):
    assert customer_client.get(reverse("settings:email_templates")).status_code == 404
    assert customer_client.post(
        reverse("settings:email_template_preview", args=["ticket_opened", "en"]),
        {"subject": "x", "body": "y"}).status_code == 404


def test_settings_lists_both_sections_for_admins_only(admin_client, client):
    page = admin_client.get(reverse("settings:index")).content.decode()
    assert 'data-testid="settings-nav-mailboxes"' in page
    assert 'data-testid="settings-nav-email_templates"' in page
    supervisor = Client()
    supervisor.force_login(AgentFactory(role=Role.SUPERVISOR))
    page = supervisor.get(reverse("settings:index")).content.decode()
    assert "settings-nav-mailboxes" not in page and "settings-nav-email_templates" not in page


@pytest.mark.parametrize("key", ["ticket_mentioned", "followed_customer_replied",
                                 "followed_status_changed"])
def test_followers_and_mentions_emails_are_listed(admin_client, key):
    page = admin_client.get(reverse("settings:email_templates")).content.decode()
    assert f'data-testid="edit-{key}-tr"' in page
    editor = admin_client.get(edit_url(key, "en")).content.decode()
    assert "{{ actor_name }}" in editor or key == "followed_customer_replied"
    assert "T-1042" in editor  # the preview got its sample values


def test_an_edited_mention_email_is_what_is_sent(admin_client, settings, customer, agent,
                                                 department):
    settings.EMAIL_BACKEND = "destek.notifications.backends.OutboxEmailBackend"
    settings.DESTEK_EMAIL_URL = ""
    admin_client.post(edit_url("ticket_mentioned", "en"), {
        "subject": "Ping from {{ actor_name }}: {{ reference }}",
        "body": "{{ recipient_name }}, see {{ ticket_url }}"})
    colleague = AgentFactory(full_name="Zeynep Kaya", email="zeynep@example.com", language="en")
    ticket = open_ticket(customer=customer, department=department, subject="DNS")
    reply(ticket=ticket, author=agent, internal=True, body="@zeynep@example.com look?")
    render_outbox()
    [sent] = [row for row in OutboundEmail.objects.all() if colleague.email in row.recipients]
    assert sent.subject.startswith(f"Ping from {agent.display_name}: {ticket.reference}")
    assert sent.body_text.startswith("Zeynep Kaya, see http")
