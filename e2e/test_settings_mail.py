"""Issue 16, Settings → Mailboxes and Email templates, in Turkish and in English: an admin adds
a mailbox read from a local IMAP server (dovecot, started here), its connection test passes,
"Send test email" reaches the admin through the real worker; an email template starts from its
built-in text, previews what is typed with sample values, and once saved is what a customer
receives when their ticket opens. The Django admin answers 404 to anyone but superusers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from destek.mail.tests.dovecot import PASSWORD
from destek.mail.tests.test_doors_imap import account, dovecot  # noqa: F401
from e2e.conftest import Person, RunningDestek, Shots, sign_in, wait_for_mail

pytestmark = pytest.mark.browser

TEXTS = {
    "tr": {"saved": "posta kutusu kaydedildi", "passed": "Bağlantı denemesi başarılı.",
           "test_subject": "deneme e-postası", "template_saved": "kaydedildi",
           "mailboxes": "Posta kutuları"},
    "en": {"saved": "saved", "passed": "Connection test passed.",
           "test_subject": "Test email from", "template_saved": "saved",
           "mailboxes": "Mailboxes"},
}

# Run by `destek shell`: a ticket opened by the customer through the funnel (the portal door).
TICKET_SCRIPT = """
from destek.accounts.models import Department, User
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel
customer = User.objects.get(email={email!r})
department = Department.objects.filter(is_public=True).order_by("pk").first()
receive(InboundMessage(channel=Channel.PORTAL, author=customer, department_id=department.pk,
                       subject={subject!r}, body_text="Hello, my site is down."))
"""


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_admin_adds_a_mailbox_tests_it_and_sends_a_test_email(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], dovecot: Any, account: str,  # noqa: F811
        lang: str) -> None:
    from playwright.sync_api import expect

    texts = TEXTS[lang]
    shots = Shots(f"settings-mailboxes-{lang}")
    admin = people["admin"]
    page = new_context(lang).new_page()
    sign_in(page, destek_server, admin)

    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("settings-nav-mailboxes").click()
    expect(page.locator("h2")).to_have_text(texts["mailboxes"])
    page.get_by_test_id("mailbox-add").click()
    address = f"help-{lang}@e2e.destek.test"
    page.locator("#id_address").fill(address)
    page.locator("#id_name").fill(f"Help {lang}")
    page.locator("#id_department").select_option(index=1)
    page.locator("#id_from_name").fill("Acme Hosting")
    page.locator("#id_imap_host").fill("127.0.0.1")
    page.locator("#id_imap_port").fill(str(dovecot.port))
    page.locator("#id_imap_security").select_option("none")
    page.locator("#id_imap_username").fill(account)
    # The provider is asked only for an OAuth2 sign-in, the password only without one.
    provider, password = page.locator("#id_oauth_provider"), page.locator("#id_imap_password")
    expect(provider).to_be_hidden()
    page.locator("#id_imap_auth").select_option("oauth2")
    expect(provider).to_be_visible()
    expect(password).to_be_hidden()
    page.locator("#id_imap_auth").select_option("password")
    password.fill(PASSWORD)
    shots(page, "mailbox-form")
    page.get_by_test_id("mailbox-save").click()
    expect(page.get_by_role("alert").first).to_contain_text(texts["saved"])
    assert "UIDVALIDITY" not in page.content() and PASSWORD not in page.content()

    page.get_by_test_id("mailbox-test").click()
    result = page.get_by_test_id("mailbox-test-result")
    expect(result).to_have_attribute("data-ok", "true")
    expect(page.get_by_test_id("mailbox-test-ok")).to_have_text(texts["passed"])
    expect(page.get_by_test_id("test-step-folder")).to_be_visible()
    shots(page, "connection-test")

    page.get_by_test_id("mailbox-send-test").click()
    expect(page.get_by_role("alert").first).to_contain_text(admin.email)
    message = wait_for_mail(destek_server, lambda m: address in str(m["From"])
                            and admin.email in str(m["To"]), "the test email")
    assert texts["test_subject"] in str(message["Subject"])

    # Back in the list, in plain words.
    page.get_by_test_id("settings-nav-mailboxes").click()
    expect(page.get_by_test_id("mailbox-list")).to_contain_text(address)
    shots(page, "mailbox-list")


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_an_edited_email_template_is_what_the_customer_gets(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    texts = TEXTS[lang]
    shots = Shots(f"settings-email-templates-{lang}")
    page = new_context(lang).new_page()
    sign_in(page, destek_server, people["admin"])
    page.goto(f"{destek_server.url}/desk/settings/")
    page.get_by_test_id("settings-nav-email_templates").click()
    expect(page.get_by_test_id("email-template-ticket_opened")).to_be_visible()
    shots(page, "list")
    page.get_by_test_id(f"edit-ticket_opened-{lang}").click()

    # It starts from the built-in text, with the placeholders listed and both previews.
    subject = page.locator("#id_subject")
    expect(subject).to_have_value("[#{{ reference }}] " + ("Talebiniz alındı: {{ subject }}"
                                                          if lang == "tr" else
                                                          "Request received: {{ subject }}"))
    expect(page.get_by_test_id("placeholders")).to_contain_text("ticket_url")
    other = "en" if lang == "tr" else "tr"
    expect(page.get_by_test_id(f"email-preview-{other}")).to_contain_text("T-1042")

    # The preview follows the typing (htmx), rendered with the sample values.
    marker = f"E2E-{lang}"
    subject.fill(f"{marker} {{{{ reference }}}}: {{{{ subject }}}}")
    expect(page.get_by_test_id("email-preview").get_by_test_id("preview-subject")).to_contain_text(
        f"{marker} T-1042")
    shots(page, "editor")
    page.get_by_test_id("email-template-save").click()
    expect(page.get_by_role("alert").first).to_contain_text(texts["template_saved"])
    expect(page.get_by_test_id("email-template-reset")).to_be_visible()

    # Takes effect: the customer's "ticket opened" email carries the new subject.
    customer = people[f"customer_{lang}"]
    ticket_subject = f"Template check {lang}"
    destek_server.destek("shell", "-v", "0", "-c", TICKET_SCRIPT.format(
        email=customer.email, subject=ticket_subject))
    message = wait_for_mail(destek_server, lambda m: marker in str(m["Subject"]),
                            "with the edited subject")
    assert customer.email in str(message["To"]) and ticket_subject in str(message["Subject"])

    # And back to the built-in text.
    page.get_by_test_id("email-template-reset").click()
    expect(page.get_by_test_id("email-template-reset")).to_have_count(0)
    expect(subject).not_to_have_value(f"{marker} {{{{ reference }}}}: {{{{ subject }}}}")


def test_the_django_admin_is_for_superusers_only(destek_server: RunningDestek,
                                                 people: dict[str, Person],
                                                 new_context: Callable[[str], Any]) -> None:
    page = new_context("en").new_page()
    sign_in(page, destek_server, people["agent"])
    response = page.goto(f"{destek_server.url}/admin/")
    assert response is not None and response.status == 404
    # The superuser of the demo data still has it.
    admin_page = new_context("tr").new_page()
    sign_in(admin_page, destek_server, people["admin"])
    response = admin_page.goto(f"{destek_server.url}/admin/")
    assert response is not None and response.status == 200
    body = admin_page.content()
    assert "Doğrulayıcılar" in body and "Authenticators" not in body
    assert httpx.get(f"{destek_server.url}/admin/", follow_redirects=False).status_code == 302
