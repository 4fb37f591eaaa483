"""The SLA policy screen: hosting conditions configured in the product, not in Python."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from destek.accounts.factories import OrganizationFactory
from destek.accounts.models import User
from destek.hosting.models import ServiceKind, Tier
from destek.sla.models import SlaPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):  # type: ignore[no-untyped-def]
    admin = User.objects.create_superuser("root@example.com", "x-Long-password-42")
    client.force_login(admin)
    return client


def test_hosting_conditions_are_checkboxes_lines_and_a_reseller_lookup(admin_client):
    reseller = OrganizationFactory(name="Bayi Hosting", is_reseller=True)
    OrganizationFactory(name="Bayi Olmayan")
    page = admin_client.get(reverse("admin:sla_slapolicy_add")).content.decode()
    assert 'type="checkbox" name="service_kinds" value="dedicated"' in page
    assert 'type="checkbox" name="tiers" value="key"' in page
    assert '<textarea name="plans"' in page and '<textarea name="servers"' in page
    assert "admin-autocomplete" in page

    found = admin_client.get(reverse("admin:autocomplete"), {
        "app_label": "sla", "model_name": "slapolicy", "field_name": "resellers",
        "term": "Bayi"}).json()
    assert [row["text"] for row in found["results"]] == ["Bayi Hosting"]  # resellers only

    response = admin_client.post(reverse("admin:sla_slapolicy_add"), {
        "name": "VIP servers", "position": 5, "is_active": "on", "priorities": "[40]",
        "channels": "[]", "service_kinds": [ServiceKind.DEDICATED, ServiceKind.VPS],
        "tiers": [Tier.KEY], "plans": " Business Pro \n\nBusiness Pro\nEnterprise\n",
        "servers": "node9", "resellers": [reseller.pk], "first_response_minutes": 20,
        "pause_statuses": '["pending"]', "warn_percent": 75, "reassign_to": "on_call",
        "supervisor_after_minutes": 0,
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = SlaPolicy.objects.get(name="VIP servers")
    assert policy.service_kinds == ["dedicated", "vps"] and policy.tiers == ["key"]
    assert policy.plans == ["Business Pro", "Enterprise"] and policy.servers == ["node9"]
    assert list(policy.resellers.all()) == [reseller]

    again = admin_client.get(reverse("admin:sla_slapolicy_change", args=[policy.pk]))
    assert "Business Pro\nEnterprise</textarea>" in again.content.decode()


def test_the_policy_screen_speaks_turkish(admin_client):
    User.objects.filter(email="root@example.com").update(language="tr")
    with translation.override("en"):  # the middleware's Turkish ends with the request
        page = admin_client.get(reverse("admin:sla_slapolicy_add")).content.decode()
    assert "Barındırma koşulları (boş: hepsi)" in page
    assert "Dedicated sunucu" in page and "Kilit müşteri" in page
    assert "Her satıra bir paket adı" in page
