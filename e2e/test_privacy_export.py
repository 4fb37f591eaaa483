"""Issue 12, export: a customer opens "Your data" in the portal, asks for an export, watches
the progress bar finish (the real worker of `destek run` builds it), downloads the ZIP, and
the test opens it: their ticket with its message and attachment, nobody else's; the emailed
link leads to the same file. In Turkish and in English."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in, text_body, wait_for_mail

pytestmark = pytest.mark.browser

# Run by `destek shell`: a ticket with an attachment for the customer (through the funnel).
TICKET_SCRIPT = """
from destek.accounts.models import Department, User
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel
from destek.tickets.uploads import InboundFile
customer = User.objects.get(email={email!r})
department = Department.objects.filter(is_public=True).order_by("pk").first()
receive(InboundMessage(channel=Channel.PORTAL, author=customer, department_id=department.pk,
                       subject={subject!r}, body_text="Export me, please.",
                       attachments=(InboundFile(name="invoice.txt", content={content!r}),)))
"""

TEXTS = {
    "tr": {"title": "Verilerim", "button": "Verilerimi dışa aktar",
           "ready": "Dışa aktarım hazır.", "subject": "Veri dışa aktarımınız hazır"},
    "en": {"title": "Your data", "button": "Export my data", "ready": "The export is ready.",
           "subject": "Your data export is ready"},
}


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_a_customer_exports_and_downloads_their_data(destek_server: RunningDestek,
                                                    people: dict[str, Person],
                                                    new_context: Callable[[str], Any],
                                                    lang: str) -> None:
    from playwright.sync_api import expect

    customer = people[f"customer_{lang}"]
    other = people["customer_en" if lang == "tr" else "customer_tr"]
    subject, content = f"Export test {lang}", f"invoice bytes {lang} ğüşiöç".encode()
    destek_server.destek("shell", "-v", "0", "-c", TICKET_SCRIPT.format(
        email=customer.email, subject=subject, content=content))
    destek_server.destek("shell", "-v", "0", "-c", TICKET_SCRIPT.format(
        email=other.email, subject=f"Not yours {lang}", content=b"other"))
    texts = TEXTS[lang]
    shots = Shots(f"privacy-export-{lang}")
    page = new_context(lang).new_page()
    sign_in(page, destek_server, customer)

    page.get_by_test_id("nav-your-data").click()
    expect(page.get_by_test_id("data-title")).to_have_text(texts["title"])
    expect(page.get_by_test_id("export-request")).to_have_text(texts["button"])
    shots(page, "your-data")
    # One export at a time: the page served while it is prepared offers no second one. (The
    # live page re-enables the button once the export is ready, which a fast worker may do
    # before the browser is asked, so the served page is what is checked.)
    with page.expect_response(lambda response: response.request.method == "GET"
                              and response.url.endswith("/portal/data/")) as served:
        page.get_by_test_id("export-request").click()
    assert 'data-testid="export-request" disabled' in served.value.text()
    expect(page.get_by_test_id("export-progress")).to_be_visible()
    shots(page, "preparing")
    # The worker builds it; the page follows the status endpoint until the link appears.
    download_link = page.get_by_test_id("export-download")
    expect(download_link).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("export-status")).to_have_text(texts["ready"])
    expect(page.get_by_test_id("export-bar")).to_have_attribute("value", "100")
    expect(page.get_by_test_id("export-row").first).to_have_attribute("data-status", "done")
    # Ready: its row has the link a reload would show, and another export may be asked for.
    expect(page.get_by_test_id("export-row").first.get_by_role("link")).to_be_visible()
    expect(page.get_by_test_id("export-request")).to_be_enabled()
    shots(page, "ready")

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read()))  # noqa: SIM115
    tickets = json.loads(archive.read("tickets.json"))
    mine = [t for t in tickets if t["subject"] == subject]
    assert len(mine) == 1 and all(t["subject"] != f"Not yours {lang}" for t in tickets)
    attachment = mine[0]["messages"][0]["attachments"][0]
    assert attachment["name"] == "invoice.txt"
    assert archive.read(attachment["path"]) == content
    profile = json.loads(archive.read("profile.json"))
    assert profile["account"]["email"] == customer.email
    assert json.loads(archive.read("chats.json")) == []

    # The list now shows it, and the emailed link (in the customer's language) downloads it.
    page.reload()
    expect(page.get_by_test_id("export-row").first).to_have_attribute("data-status", "done")
    shots(page, "listed")
    mail = wait_for_mail(destek_server, lambda m: m["To"] == customer.email
                         and m["Subject"] == texts["subject"], "export ready")
    link = next(line.strip() for line in text_body(mail).splitlines()
                if "/portal/data/exports/" in line)
    response = page.request.get(link)
    assert response.status == 200
    assert response.body()[:2] == b"PK"

    # Another customer following that link gets nothing.
    stranger = new_context(lang).new_page()
    sign_in(stranger, destek_server, other)
    assert stranger.request.get(link).status == 404


def test_an_admin_exports_a_customers_data_from_the_desk(destek_server: RunningDestek,
                                                         people: dict[str, Person],
                                                         new_context: Callable[[str], Any]
                                                         ) -> None:
    from playwright.sync_api import expect

    email, password = destek_server.logins["admin"]
    admin = Person(key="admin", pk=0, email=email, password=password, name="Ayşe Yönetici")
    customer = people["customer_tr"]
    shots = Shots("privacy-export-desk-tr")
    page = new_context("tr").new_page()
    sign_in(page, destek_server, admin)
    page.get_by_test_id("user-menu").click()  # administrators' pages are in the person's menu
    page.get_by_test_id("nav-privacy").click()
    page.get_by_test_id("privacy-search").fill(customer.email.split("@")[0])
    page.get_by_test_id("privacy-search").press("Enter")
    page.get_by_test_id("privacy-results").get_by_text(customer.email).click()
    expect(page.get_by_test_id("privacy-customer")).to_contain_text(customer.email)
    shots(page, "customer")
    page.get_by_test_id("export-request").click()
    download_link = page.get_by_test_id("export-download")
    expect(download_link).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("export-status")).to_have_text("Dışa aktarım hazır.")
    shots(page, "ready")
    with page.expect_download() as info:
        download_link.click()
    archive = zipfile.ZipFile(io.BytesIO(open(info.value.path(), "rb").read()))  # noqa: SIM115
    assert json.loads(archive.read("profile.json"))["account"]["email"] == customer.email
