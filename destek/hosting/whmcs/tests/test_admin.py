"""The WHMCS screens in the admin: the secret is write-only, the two actions work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from destek.accounts.models import User
from destek.hosting.models import SyncStatus, WhmcsConnection, WhmcsSyncRun
from destek.hosting.whmcs.testing import FakeWhmcs

pytestmark = pytest.mark.django_db


@pytest.fixture
def whmcs() -> Iterator[FakeWhmcs]:
    with FakeWhmcs() as fake:
        yield fake


@pytest.fixture
def admin_web(admin_user: User) -> Client:
    web = Client()
    web.force_login(admin_user)
    return web


def form(whmcs: FakeWhmcs, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Billing", "source": "whmcs", "url": whmcs.url, "identifier": "api-identifier",
        "api_secret": "api-secret", "enabled": "on", "interval_minutes": 30,
        "kind_map": '{"VPS": "vps"}', "default_currency": "usd", "fetch_client_details": "on",
        "page_size": 100}
    data.update(changes)
    return data


def test_the_secret_is_sealed_and_never_shown_back(admin_web: Client, whmcs: FakeWhmcs) -> None:
    response = admin_web.post("/admin/hosting/whmcsconnection/add/", form(whmcs))
    assert response.status_code == 302, response.content[:2000]
    connection = WhmcsConnection.objects.get()
    assert connection.api_secret() == "api-secret"
    assert "api-secret" not in connection.sealed_secret
    assert connection.default_currency == "USD"
    page = admin_web.get(f"/admin/hosting/whmcsconnection/{connection.pk}/change/")
    assert b"api-secret" not in page.content
    assert connection.sealed_secret.encode() not in page.content
    # an empty secret keeps the saved one
    response = admin_web.post(f"/admin/hosting/whmcsconnection/{connection.pk}/change/",
                              form(whmcs, api_secret="", name="Billing 2"))
    assert response.status_code == 302
    connection.refresh_from_db()
    assert (connection.name, connection.api_secret()) == ("Billing 2", "api-secret")


def test_a_new_connection_needs_a_secret_and_a_valid_kind_map(admin_web: Client,
                                                              whmcs: FakeWhmcs) -> None:
    response = admin_web.post("/admin/hosting/whmcsconnection/add/",
                              form(whmcs, api_secret="", kind_map='{"VPS": "rocket"}'))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"api_secret", "kind_map"}
    assert not WhmcsConnection.objects.exists()


def test_test_connection_and_sync_now(admin_web: Client, whmcs: FakeWhmcs) -> None:
    admin_web.post("/admin/hosting/whmcsconnection/add/", form(whmcs))
    connection = WhmcsConnection.objects.get()
    response = admin_web.post("/admin/hosting/whmcsconnection/",
                              {"action": "test_connection", "_selected_action": [connection.pk]},
                              follow=True)
    assert "5 clients" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    admin_web.post("/admin/hosting/whmcsconnection/",
                   {"action": "sync_now", "_selected_action": [connection.pk]})
    run = WhmcsSyncRun.objects.get()  # Celery runs inline in tests
    assert run.status == SyncStatus.SUCCESS and run.manual
    listing = admin_web.get("/admin/hosting/whmcssyncrun/")
    assert b"21 new, 0 updated, 0 unchanged, 0 cancelled" in listing.content


def test_test_connection_explains_a_refusal(admin_web: Client, whmcs: FakeWhmcs) -> None:
    admin_web.post("/admin/hosting/whmcsconnection/add/", form(whmcs, api_secret="wrong"))
    connection = WhmcsConnection.objects.get()
    response = admin_web.post("/admin/hosting/whmcsconnection/",
                              {"action": "test_connection", "_selected_action": [connection.pk]},
                              follow=True)
    assert "Authentication Failed" in " ".join(
        str(m) for m in get_messages(response.wsgi_request))
