"""A new ticket by email is about the service whose domain the mail names, else the known
customer's only live service, else none: real MIME messages, stored as a door stores them and
filed by the processing task."""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Iterator

import pytest

from destek.accounts.factories import CustomerFactory, OrganizationFactory
from destek.accounts.models import User
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import Service, ServiceKind, ServiceStatus
from destek.mail import tasks
from destek.mail.doors import smtpd
from destek.mail.models import InboundEmail, Mailbox
from destek.mail.store import store_raw
from destek.mail.tests.doors_helpers import free_port
from destek.notifications.envelope import thread_id
from destek.tickets.factories import open_ticket
from destek.tickets.models import Status, Ticket

ADDRESS = "support@destek.example"


def mime(*, sender: str, subject: str, body: str, html: str = "",
         headers: tuple[str, ...] = ()) -> bytes:
    """A plain (or HTML-only) RFC 5322 message, as a customer's mail program sends it."""
    lines = [f"From: Deniz <{sender}>", f"To: {ADDRESS}", f"Subject: {subject}",
             f"Message-ID: <{uuid.uuid4().hex}@customer.example>",
             "Date: Mon, 07 Dec 2026 10:00:00 +0300", "MIME-Version: 1.0", *headers]
    if html:
        lines += ["Content-Type: text/html; charset=utf-8", "", html]
    else:
        lines += ["Content-Type: text/plain; charset=utf-8", "", body]
    return ("\r\n".join(lines) + "\r\n").encode()


def file_mail(raw: bytes) -> Ticket:
    """Stored as every door stores a message, then filed by the processing task."""
    row = store_raw(raw=raw, source="upload", envelope_to=[ADDRESS]).email
    tasks.process_inbound_email(row.pk)
    row.refresh_from_db()
    assert row.ticket_message is not None, row.error
    return row.ticket_message.ticket


@pytest.fixture
def mailbox(db: None, department) -> Mailbox:  # type: ignore[no-untyped-def]
    return Mailbox.objects.create(name="Support", address=ADDRESS, department=department)


@pytest.fixture
def hosted(db: None) -> tuple[User, Service, Service]:
    """A customer of an organization with a shared hosting account and the company's VPS."""
    organization = OrganizationFactory()
    person = CustomerFactory(email="deniz@customer.example", organization=organization)
    shop = ServiceFactory(customer=person, domain="magaza.com.tr", plan="Business")
    vps = ServiceFactory(customer=None, organization=organization, kind=ServiceKind.VPS,
                         domain="www.Customer-Apps.io", plan="VPS 8")
    return person, shop, vps


@pytest.mark.django_db
@pytest.mark.parametrize(("subject", "body", "expected"), [
    ("magaza.com.tr is down", "Since this morning.", "shop"),
    ("Site down", "Our app at https://WWW.customer-apps.io/login returns 502.", "vps"),
    ("Mail", "Please check info@magaza.com.tr, it bounces.", "shop"),
    # a longer or shorter name is another domain: none of theirs is named, two are live
    ("Site down", "mymagaza.com.tr and magaza.com.tr.example.org fail", None),
    ("Site down", "customer-apps.io.tr fails", None),
    ("Hello", "Nothing here names a domain.", None),
])
def test_a_domain_named_in_the_mail_chooses_the_service(mailbox, hosted, subject, body,
                                                        expected):
    _person, shop, vps = hosted
    ticket = file_mail(mime(sender="deniz@customer.example", subject=subject, body=body))
    assert ticket.service_id == {"shop": shop.pk, "vps": vps.pk, None: None}[expected]


@pytest.mark.django_db
def test_html_only_mail_is_read_too(mailbox, hosted):
    _person, shop, _vps = hosted
    ticket = file_mail(mime(sender="deniz@customer.example", subject="Help", body="",
                            html="<p>The shop <a href='https://magaza.com.tr'>magaza.com.tr"
                                 "</a> is slow</p>"))
    assert ticket.service_id == shop.pk


@pytest.mark.django_db
def test_without_a_domain_the_only_live_service_is_chosen(mailbox):
    person = CustomerFactory(email="solo@customer.example")
    ServiceFactory(customer=person, domain="old.example.com", status=ServiceStatus.CANCELLED)
    only = ServiceFactory(customer=person, domain="new.example.com")
    ticket = file_mail(mime(sender="solo@customer.example", subject="Invoice question",
                            body="Why was I charged twice?"))
    assert ticket.service_id == only.pk


@pytest.mark.django_db
def test_someone_elses_domain_and_unknown_senders_get_no_service(mailbox, hosted):
    stranger = file_mail(mime(sender="new@elsewhere.example", subject="magaza.com.tr",
                              body="Is magaza.com.tr yours?"))
    assert stranger.service_id is None and stranger.customer.email == "new@elsewhere.example"
    other = CustomerFactory(email="other@customer.example")
    ServiceFactory(customer=other, domain="other.example")
    ServiceFactory(customer=other, domain="other2.example")
    named_not_theirs = file_mail(mime(sender="other@customer.example", subject="Down",
                                      body="magaza.com.tr is down"))
    assert named_not_theirs.customer == other and named_not_theirs.service_id is None


def reply_mime(ticket: Ticket, body: str) -> bytes:
    """An answer in the ticket's thread (In-Reply-To our thread's Message-ID)."""
    return mime(sender="deniz@customer.example", subject=f"Re: {ticket.subject}", body=body,
                headers=(f"In-Reply-To: {thread_id(ticket)}",))


@pytest.mark.django_db
def test_a_reply_by_mail_does_not_change_the_service(mailbox, hosted):
    _person, shop, _vps = hosted
    ticket = file_mail(mime(sender="deniz@customer.example", subject="magaza.com.tr",
                            body="down"))
    assert ticket.service_id == shop.pk
    answered = file_mail(reply_mime(ticket, "Now customer-apps.io is down too."))
    assert answered.pk == ticket.pk
    ticket.refresh_from_db()
    assert ticket.service_id == shop.pk


@pytest.mark.django_db
def test_a_follow_up_of_a_closed_ticket_keeps_its_service(mailbox, hosted, settings):
    person, _shop, vps = hosted
    settings.DESTEK_MAIL_CLOSED_REPLY = "follow_up"
    closed = open_ticket(customer=person, department=mailbox.department, subject="Backups",
                         service=vps)
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    follow_up = file_mail(reply_mime(closed, "magaza.com.tr backups failed again."))
    assert follow_up.follow_up_of_id == closed.pk
    assert follow_up.service_id == vps.pk


# --- through a real door ---------------------------------------------------------------------

@pytest.fixture
def smtp_port(enqueued: list[int]) -> Iterator[int]:
    port = free_port()
    controller = smtpd.smtp_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr("destek.mail.store._stored", calls.append)
    return calls


@pytest.mark.django_db(transaction=True)
def test_through_the_smtp_receiver_and_the_processing_task(smtp_port, enqueued, department,
                                                           hosted):
    _person, _shop, vps = hosted
    Mailbox.objects.create(name="Support", address=ADDRESS, department=department)
    raw = mime(sender="deniz@customer.example", subject="customer-apps.io: 502",
               body="Our VPS answers 502 since the update.")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        client.ehlo("customer.example")
        client.sendmail("deniz@customer.example", [ADDRESS], raw)
    assert len(enqueued) == 1
    tasks.process_inbound_email(enqueued[0])
    row = InboundEmail.objects.get(pk=enqueued[0])
    assert row.ticket_message is not None
    assert row.ticket_message.ticket.service_id == vps.pk
