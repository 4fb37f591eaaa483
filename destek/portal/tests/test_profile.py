"""The customer's profile: name, phone (E.164), language, time zone and the email choice; the
time zone shown in every portal date and email, and "we will answer by …"."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
from allauth.account.adapter import get_adapter
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import formats, timezone, translation

from destek.accounts.models import User
from destek.accounts.profile import normalized_phone
from destek.accounts.zones import user_zone, zone_choices
from destek.audit.models import Action, AuditEvent
from destek.core.errors import ApplicationError
from destek.notifications.compose import Notice, compose
from destek.notifications.models import EmailTemplate, OutboundEmail
from destek.sla.tests.policies import ensure_default_policies
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Priority, Ticket

pytestmark = pytest.mark.django_db

URL = "/portal/profile/"


def _form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {"full_name": "Deniz Müşteri", "phone": "", "language": "en",
                               "time_zone": "", "email_notifications": "on"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_profile_page_is_the_customers(customer_client: Client, agent: User,
                                           customer: User) -> None:
    page = customer_client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for testid in ("profile-name", "profile-phone", "profile-language", "profile-time-zone",
                   "profile-email-notifications", "profile-change-email", "nav-profile"):
        assert f'data-testid="{testid}"' in html
    assert customer.email in html
    # Common zones first, right after the default.
    select = html[html.index('data-testid="profile-time-zone"'):]
    assert select.index("Europe/Istanbul") < select.index("Europe/Berlin") < select.index(
        "Africa/Abidjan")
    staff = Client()
    staff.force_login(agent)
    assert staff.get(URL).status_code == 302  # staff go to the desk


def test_saving_the_profile(customer_client: Client, customer: User) -> None:
    response = customer_client.post(URL, _form(
        full_name="  Deniz   Yılmaz ", phone="0532 123 45 67", language="tr",
        time_zone="America/New_York", email_notifications=None))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.full_name == "Deniz Yılmaz"
    assert customer.phone == "+905321234567"  # E.164, the region's code added
    assert customer.language == "tr"
    assert customer.time_zone == "America/New_York"
    assert customer.email_notifications is False
    # The language switch's cookie follows, so the next page is in the new language.
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "tr"
    event = AuditEvent.objects.get(action=Action.CONTACT_CHANGED)
    assert event.actor_id == customer.pk and event.detail == {"change": "phone_changed"}
    assert "532" not in str(event.detail)  # that it changed, not the number


def test_saving_without_a_change_writes_nothing(customer_client: Client,
                                                customer: User) -> None:
    customer_client.post(URL, _form(phone="+90 532 123 45 67"))
    customer_client.post(URL, _form(phone="0532 1234567"))  # the same number, written apart
    assert AuditEvent.objects.filter(action=Action.CONTACT_CHANGED).count() == 1


@pytest.mark.parametrize("changes,field", [
    ({"phone": "12"}, "phone"),
    ({"phone": "+90 532 123 45 67 89 01"}, "phone"),
    ({"phone": "call me maybe"}, "phone"),
    ({"phone": "+1" + "9" * 60}, "phone"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
    ({"language": "de"}, "language"),
])
def test_bad_input_is_refused_and_changes_nothing(customer_client: Client, customer: User,
                                                  changes: dict[str, str], field: str) -> None:
    response = customer_client.post(URL, _form(**changes))
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()
    before = (customer.phone, customer.time_zone, customer.language)
    customer.refresh_from_db()
    assert (customer.phone, customer.time_zone, customer.language) == before


def test_phone_numbers_are_stored_as_e164(settings) -> None:  # type: ignore[no-untyped-def]
    assert normalized_phone("+49 30 901820") == "+4930901820"
    assert normalized_phone("") == ""
    settings.DESTEK_PHONE_REGION = "DE"
    assert normalized_phone("030 901820") == "+4930901820"
    with pytest.raises(ApplicationError):
        normalized_phone("+90 1")


def test_zone_choices_and_fallbacks(settings) -> None:  # type: ignore[no-untyped-def]
    default, common, others = zone_choices()
    assert default[0] == ""
    assert [z for z, _l in common[1]][:3] == [  # type: ignore[union-attr]
        "Europe/Istanbul", "UTC", "Europe/Berlin"]
    other_names = {z for z, _l in others[1]}  # type: ignore[union-attr]
    assert "Etc/GMT+3" not in other_names and "Europe/Istanbul" not in other_names
    assert "Asia/Kolkata" in other_names
    assert user_zone(User(time_zone="Nowhere/Special")) == zoneinfo.ZoneInfo(settings.TIME_ZONE)
    assert user_zone(User(time_zone="UTC")) == zoneinfo.ZoneInfo("UTC")
    assert user_zone(None) == zoneinfo.ZoneInfo(settings.TIME_ZONE)


def test_portal_dates_follow_the_readers_zone(customer_client: Client, customer: User,
                                              department) -> None:  # type: ignore[no-untyped-def]
    ticket = open_ticket(customer=customer, department=department)
    url = reverse("portal:ticket_detail", args=[ticket.pk])
    assert settings.TIME_ZONE == "Europe/Istanbul"
    assert "+03:00" in customer_client.get(url).content.decode()
    customer.time_zone = "UTC"
    customer.save(update_fields=["time_zone"])
    html = customer_client.get(url).content.decode()
    assert "+00:00" in html and "+03:00" not in html
    assert "+00:00" in customer_client.get(reverse("portal:ticket_list")).content.decode()
    # The zone is the request's: it does not outlive it.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_we_will_answer_by_is_in_the_readers_zone(customer_client: Client, customer: User,
                                                  department) -> None:  # type: ignore[no-untyped-def]
    ensure_default_policies()
    customer.time_zone = "Asia/Tokyo"
    customer.save(update_fields=["time_zone"])
    ticket = Ticket.objects.get(pk=open_ticket(customer=customer, department=department,
                                               priority=Priority.CRITICAL).pk)
    due = ticket.sla.due_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    with translation.override("en"):
        label = formats.date_format(due, "DATETIME_FORMAT")
    html = customer_client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    assert label in html
    assert due.isoformat() in html
    listed = customer_client.get(reverse("portal:ticket_list")).content.decode()
    assert label in listed


def test_emails_render_dates_in_the_recipients_zone(customer: User, department,
                                                    agent: User) -> None:  # type: ignore[no-untyped-def]
    EmailTemplate.objects.create(key="agent_reply", language="en", subject="Update",
                                 body="At {{ when|date:'H:i e' }}")
    ticket = open_ticket(customer=customer, department=department)
    when = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    def body() -> str:
        notice = Notice(key="agent_reply", recipient=customer, ticket=ticket, url="/",
                        extra_context={"when": when})
        return compose(notice).body

    assert "At 15:00" in body()  # TIME_ZONE, Europe/Istanbul
    customer.time_zone = "America/New_York"
    assert "At 07:00" in body()
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_turning_ticket_emails_off_stops_them_but_not_security_emails(
        customer_client: Client, customer: User, department, agent: User) -> None:  # type: ignore[no-untyped-def]
    ticket = open_ticket(customer=customer, department=department)
    reply(ticket=ticket, author=agent, body="First answer")
    on = OutboundEmail.objects.filter(recipients__icontains=customer.email).count()
    assert on == 2  # opened + the reply
    customer_client.post(URL, _form(email_notifications=None))
    customer.refresh_from_db()
    reply(ticket=ticket, author=agent, body="Second answer")
    open_ticket(customer=customer, department=department, subject="Another one")
    assert OutboundEmail.objects.filter(recipients__icontains=customer.email).count() == on
    # The agent still hears the customer's replies.
    ticket.assignee = agent
    ticket.save(update_fields=["assignee"])
    reply(ticket=ticket, author=customer, body="Thanks", channel="portal")
    assert OutboundEmail.objects.filter(recipients__icontains=agent.email).exists()
    # A password reset is a security email: always sent.
    Client().post(reverse("account_reset_password"), {"email": customer.email})
    assert OutboundEmail.objects.filter(recipients__icontains=customer.email).count() == on + 1


def test_the_email_address_changes_through_allauth_and_is_audited(
        customer_client: Client, customer: User) -> None:
    assert customer_client.get(reverse("account_email")).status_code == 200
    request = RequestFactory().post("/accounts/email/")
    request.user = customer
    adapter = get_adapter(request)
    adapter.send_notification_mail("account/email/email_changed", customer,
                                   {"from_email": "old@example.com",
                                    "to_email": customer.email}, email="old@example.com")
    event = AuditEvent.objects.get(action=Action.CONTACT_CHANGED)
    assert event.detail == {"change": "email_changed"} and event.actor_id == customer.pk
