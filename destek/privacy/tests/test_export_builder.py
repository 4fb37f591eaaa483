"""The export ZIP: what it holds (JSON parsed, file bytes compared), what it never holds
(other customers' data, internal notes), and a query count that does not grow with the
number of tickets."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.accounts.models import User
from destek.privacy.export_jobs import export_build
from destek.privacy.tests.conftest import CustomerData, add_ticket
from destek.tickets.factories import reply
from destek.tickets.uploads import InboundFile

pytestmark = pytest.mark.django_db


def build(customer: User) -> zipfile.ZipFile:
    out = io.BytesIO()
    export_build(customer=customer, out=out, progress=lambda done, total: None)
    out.seek(0)
    return zipfile.ZipFile(out)


def load(archive: zipfile.ZipFile, name: str) -> Any:
    return json.loads(archive.read(name))


def test_the_archive_holds_profile_tickets_chats_and_files(customer, customer_data):
    data: CustomerData = customer_data
    archive = build(customer)
    assert archive.testzip() is None
    manifest = load(archive, "export.json")
    assert manifest["sections"] == ["profile.json", "tickets.json", "chats.json"]

    profile = load(archive, "profile.json")
    assert profile["account"]["email"] == customer.email
    assert profile["account"]["full_name"] == "Deniz Müşteri"
    assert profile["account"]["phone"] == "+90 555 123 45 67"
    assert profile["account"]["language"] == "tr"
    assert profile["organization"] == {"name": "Deniz Hosting Ltd"}
    assert profile["email_addresses"] == [{"email": customer.email, "verified": True,
                                           "primary": True}]

    (ticket,) = load(archive, "tickets.json")
    assert ticket["reference"] == data.ticket.reference
    assert ticket["subject"] == "Site down 1"
    assert ticket["priority"] == "high"
    texts = [m["text"] for m in ticket["messages"]]
    assert texts == ["My site 1 returns 500.", "Restarted PHP-FPM for 1."]
    assert [m["from"] for m in ticket["messages"]] == ["customer", "agent"]
    assert ticket["messages"][1]["author"] == "Mehmet Agent"
    assert {e["kind"] for e in ticket["events"]} >= {"created", "replied"}
    assert "note" not in {e["kind"] for e in ticket["events"]}
    customer_file = ticket["messages"][0]["attachments"][0]
    agent_file = ticket["messages"][1]["attachments"][0]
    assert customer_file["path"] == f"attachments/{data.ticket.reference}/error log.txt"
    assert archive.read(customer_file["path"]) == data.customer_file
    assert archive.read(agent_file["path"]) == data.agent_file
    assert customer_file["size"] == len(data.customer_file)

    (chat,) = load(archive, "chats.json")
    assert chat["id"] == str(data.chat.public_id)
    assert chat["topic"] == "DNS help"
    assert [m["text"] for m in chat["messages"]] == ["Merhaba, DNS?", "", "Checking."]
    upload = chat["messages"][1]["attachment"]
    assert upload["name"] == "zone.pdf"
    assert archive.read(upload["path"]) == data.chat_file


def test_other_customers_data_and_internal_notes_are_never_exported(customer, customer_data):
    archive = build(customer)
    everything = b"".join(archive.read(name) for name in archive.namelist())
    for secret in (b"Other customer", b"Not yours.", b"Other chat", b"SECRET NOTE",
                   b"CHAT NOTE", b"internal only", b"customer is rude"):
        assert secret not in everything, secret
    assert not [n for n in archive.namelist() if "internal" in n]
    assert len([n for n in archive.namelist() if n.startswith("attachments/")]) == 2


def test_a_file_missing_from_storage_is_recorded_not_fatal(customer, customer_data):
    attachment = customer_data.ticket.attachments.order_by("pk").first()
    attachment.file.storage.delete(attachment.file.name)
    (ticket,) = load(build(customer), "tickets.json")
    first = ticket["messages"][0]["attachments"][0]
    assert first["missing"] is True and "path" not in first


def test_two_files_of_one_name_get_two_paths(customer, department, agent):
    ticket = add_ticket(customer, department, agent, 1)
    reply(ticket=ticket, author=customer, body="again",
          attachments=(InboundFile(name="error log.txt", content=b"second"),))
    archive = build(customer)
    folder = f"attachments/{ticket.reference}/"
    names = sorted(n for n in archive.namelist() if n.startswith(folder))
    assert names == [f"{folder}error log (2).txt", f"{folder}error log.txt", f"{folder}fix.txt"]
    assert archive.read(f"{folder}error log (2).txt") == b"second"


def test_a_customer_with_nothing_gets_empty_lists(other_customer):
    archive = build(other_customer)
    assert load(archive, "tickets.json") == []
    assert load(archive, "chats.json") == []


def count_queries(customer: User) -> int:
    with CaptureQueriesContext(connection) as captured:
        build(customer)
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_the_number_of_tickets(
        customer, customer_data, department, agent, django_assert_num_queries):
    # email addresses, organization, 2 counts; tickets + messages + attachments + events;
    # chats + their messages
    fresh = User.objects.get(pk=customer.pk)  # as the task reads it: organization not loaded
    with django_assert_num_queries(10):
        build(fresh)
    few = count_queries(User.objects.get(pk=customer.pk))
    for n in range(2, 9):
        add_ticket(customer, department, agent, n)
    assert count_queries(User.objects.get(pk=customer.pk)) == few
    assert len(load(build(customer), "tickets.json")) == 8
