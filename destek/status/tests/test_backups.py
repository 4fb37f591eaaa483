"""The backup routine shown to the customers it concerns, on their profile page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from destek.accounts.factories import CustomerFactory, OrganizationFactory
from destek.accounts.models import User
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import ServiceStatus
from destek.status.factories import ComponentFactory
from destek.status.models import BackupRoutine
from destek.status.selectors import backups_of_customer

pytestmark = pytest.mark.django_db


def _routines() -> tuple[BackupRoutine, BackupRoutine, BackupRoutine]:
    web07 = ComponentFactory(servers=["web-07"], name="Web-07")
    web08 = ComponentFactory(servers=["web-08"])
    now = timezone.now()
    on_server = BackupRoutine.objects.create(
        component=web07, what="Site files and databases", what_tr="Site dosyaları ve veritabanları",
        every_hours=24, keep_days=30, last_success_at=now - timedelta(hours=30))
    on_plan = BackupRoutine.objects.create(
        plan="VPS Pro", what="VPS snapshot", every_hours=6, keep_days=7,
        last_success_at=now - timedelta(hours=13))  # more than twice 6 hours: late
    elsewhere = BackupRoutine.objects.create(component=web08, what="Other server's backup")
    return on_server, on_plan, elsewhere


def test_a_customer_sees_the_routines_of_their_servers_and_plans() -> None:
    on_server, on_plan, _elsewhere = _routines()
    org = OrganizationFactory()
    customer = CustomerFactory(organization=org)
    ServiceFactory(customer=None, organization=org, server="web-07", plan="Shared S")
    ServiceFactory(customer=customer, server="ist-3", plan="VPS Pro")
    ServiceFactory(customer=customer, server="web-08", status=ServiceStatus.CANCELLED)
    rows = backups_of_customer(customer)
    assert {row.routine for row in rows} == {on_server, on_plan}
    assert {row.routine.pk: row.overdue for row in rows} == {on_server.pk: False,
                                                            on_plan.pk: True}
    assert backups_of_customer(CustomerFactory()) == []


def test_the_profile_page_shows_them_in_the_customers_language(
        client: Client, customer: User, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    _routines()
    ServiceFactory(customer=customer, server="web-07", plan="VPS Pro")
    client.force_login(customer)
    with django_assert_max_num_queries(14):
        html = client.get(reverse("portal:profile")).content.decode()
    assert html.count('data-testid="backup-routine"') == 2
    assert "Site files and databases" in html and "Every 24 hours" in html
    assert "kept for 30 days" in html
    assert html.count('data-testid="backup-overdue"') == 1
    assert "Other server" not in html
    tr = client.get(reverse("portal:profile"), HTTP_ACCEPT_LANGUAGE="tr")
    text = tr.content.decode()
    assert "Yedekleriniz" in text and "Site dosyaları ve veritabanları" in text
    assert "24 saatte bir" in text


def test_a_customer_without_services_sees_no_backup_section(
        client: Client, customer: User) -> None:
    _routines()
    client.force_login(customer)
    assert 'data-testid="portal-backups"' not in client.get(
        reverse("portal:profile")).content.decode()
