"""Demo data for the quick start: departments, three logins, and a product in use
(`showcase.py`: help center, FAQ, mailbox, canned responses, SLA targets, tickets, a chat)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction

from destek.accounts.models import AssignmentMode, Department, DepartmentMembership, Role, User
from destek.demo.showcase import Cast, create_showcase
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import CannedResponse, Channel, Priority


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


DEMO_FILE = "demo-logins.txt"


def demo_logins_path() -> Path:
    return Path(settings.DATA_DIR) / DEMO_FILE


def load_demo_logins() -> list[DemoLogin]:
    path = demo_logins_path()
    if not path.exists():
        return []
    rows = [line.split("\t") for line in path.read_text().splitlines() if line.strip()]
    return [DemoLogin(*row) for row in rows if len(row) == 3]


@transaction.atomic
def create_demo_data() -> list[DemoLogin]:
    """Idempotent: does nothing when any user exists. Passwords are random, kept in the data dir."""
    if User.objects.exists():
        return load_demo_logins()
    logins = [
        DemoLogin("admin", "admin@demo.destek.local", secrets.token_urlsafe(9)),
        DemoLogin("agent", "agent@demo.destek.local", secrets.token_urlsafe(9)),
        DemoLogin("customer", "customer@demo.destek.local", secrets.token_urlsafe(9)),
    ]
    admin = User.objects.create_superuser(logins[0].email, logins[0].password,
                                          full_name="Ayşe Yönetici")
    agent = User.objects.create_user(logins[1].email, logins[1].password, full_name="Mehmet Destek",
                                     role=Role.AGENT)
    customer = User.objects.create_user(logins[2].email, logins[2].password,
                                        full_name="Deniz Müşteri", role=Role.CUSTOMER)
    _verify_emails([admin, agent, customer])
    technical = Department.objects.create(name="Technical support", name_tr="Teknik destek",
                                          assignment_mode=AssignmentMode.ROUND_ROBIN)
    billing = Department.objects.create(name="Billing", name_tr="Muhasebe")
    Department.objects.create(name="Sales", name_tr="Satış")
    DepartmentMembership.objects.create(department=technical, agent=agent)
    DepartmentMembership.objects.create(department=technical, agent=admin)
    CannedResponse.objects.create(
        title="Greeting", language="en",
        body="Hello {customer_name},\n\nThank you for contacting us about {ticket_number}.\n\n"
             "Best regards,\n{agent_name}")
    CannedResponse.objects.create(
        title="Selamlama", language="tr",
        body="Merhaba {customer_name},\n\n{ticket_number} numaralı talebiniz için teşekkürler."
             "\n\nSaygılarımızla,\n{agent_name}")
    receive(InboundMessage(channel=Channel.PORTAL, author=customer, department_id=technical.pk,
                           subject="Web sitem açılmıyor",
                           body_text="Merhaba, alan adım example.com.tr 500 hatası veriyor.",
                           priority=Priority.HIGH))
    receive(InboundMessage(channel=Channel.PORTAL, author=customer, department_id=technical.pk,
                           subject="SSL certificate renewal",
                           body_text="Could you renew the certificate for shop.example.com?"))
    create_showcase(Cast(admin=admin, agent=agent, customer=customer, technical=technical,
                         billing=billing))
    path = demo_logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{x.role}\t{x.email}\t{x.password}\n" for x in logins))
    path.chmod(0o600)
    return logins


def _verify_emails(users: list[User]) -> None:
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )
