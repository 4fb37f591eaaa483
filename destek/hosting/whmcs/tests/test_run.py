"""A whole WHMCS sync against a real local HTTP server answering recorded replies: what it
creates, what a second run leaves alone, what it reports, and what it never does after a
failure (cancel services it could not see)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from destek.accounts.models import Organization, User
from destek.core.sealing import seal
from destek.hosting.models import (
    WHMCS_SECRET_PURPOSE,
    Service,
    SyncStatus,
    WhmcsClientDetails,
    WhmcsConnection,
    WhmcsSyncRun,
)
from destek.hosting.whmcs import run as whmcs_run
from destek.hosting.whmcs.client import WhmcsClient
from destek.hosting.whmcs.run import claim, sync_connection
from destek.hosting.whmcs.tasks import whmcs_sync_due
from destek.hosting.whmcs.testing import FakeWhmcs

pytestmark = pytest.mark.django_db


@pytest.fixture
def whmcs() -> Iterator[FakeWhmcs]:
    with FakeWhmcs() as fake:
        yield fake


@pytest.fixture
def connection(whmcs: FakeWhmcs) -> WhmcsConnection:
    return WhmcsConnection.objects.create(
        url=whmcs.url, identifier="api-identifier",
        sealed_secret=seal("api-secret", purpose=WHMCS_SECRET_PURPOSE), page_size=3,
        kind_map={"VPS": "vps", "SSL Certificates": "ssl"})


def factory(whmcs: FakeWhmcs) -> Callable[[WhmcsConnection], WhmcsClient]:
    def make(connection: WhmcsConnection) -> WhmcsClient:
        return WhmcsClient(url=whmcs.url, identifier=connection.identifier,
                           secret=connection.api_secret(), attempts=3,
                           sleep=lambda _s: None)
    return make


def sync(whmcs: FakeWhmcs, connection: WhmcsConnection) -> WhmcsSyncRun:
    run = sync_connection(connection_id=connection.pk, manual=True,
                          client_factory=factory(whmcs))
    assert run is not None
    return run


def test_a_first_sync_brings_every_client_service_and_domain(
        whmcs: FakeWhmcs, connection: WhmcsConnection) -> None:
    run = sync(whmcs, connection)
    assert run.status == SyncStatus.SUCCESS, run.message
    assert run.created == {"organization": 2, "customer": 5, "service": 14}
    assert run.error_count == 0 and run.failed_pages == 0
    # 5 clients, 10 products and 4 domains in pages of 3
    assert run.pages == 2 + 4 + 2
    kaya = User.objects.get(external_id="whmcs:client:4")
    assert kaya.organization == Organization.objects.get(external_id="whmcs:company:4")
    assert Service.objects.filter(source="whmcs").count() == 14
    vps = Service.objects.get(source="whmcs", external_id="product:12")
    assert (vps.kind, vps.currency) == ("vps", "USD")
    assert vps.organization == Organization.objects.get(external_id="whmcs:company:2")
    assert vps.customer == User.objects.get(external_id="whmcs:client:2")
    starter = Service.objects.get(source="whmcs", external_id="product:11")
    assert (starter.currency, starter.recurring_amount) == ("TRY", Decimal("49.90"))
    assert starter.control_panel_url == "https://web01.example.net:2083/"
    assert Service.objects.get(external_id="domain:31").kind == "domain"


def test_a_second_sync_changes_nothing_and_reads_no_client_details_again(
        whmcs: FakeWhmcs, connection: WhmcsConnection) -> None:
    sync(whmcs, connection)
    details_calls = len(whmcs.calls("GetClientsDetails"))
    assert details_calls == 5 and WhmcsClientDetails.objects.count() == 5
    stamps = dict(Service.objects.values_list("external_id", "updated_at"))
    second = sync(whmcs, connection)
    assert second.status == SyncStatus.SUCCESS
    assert (second.created, second.updated, second.deleted) == ({}, {}, {})
    assert second.unchanged == {"organization": 2, "customer": 5, "service": 14}
    assert len(whmcs.calls("GetClientsDetails")) == details_calls
    assert dict(Service.objects.values_list("external_id", "updated_at")) == stamps


def test_a_change_in_whmcs_is_reported_as_updated(whmcs: FakeWhmcs,
                                                  connection: WhmcsConnection) -> None:
    sync(whmcs, connection)
    row = next(r for r in whmcs.rows("GetClientsProducts") if r["id"] == 11)
    row.update(status="Suspended", recurringamount="59.90")
    run = sync(whmcs, connection)
    assert run.updated == {"service": 1}
    starter = Service.objects.get(external_id="product:11")
    assert (starter.status, starter.recurring_amount) == ("suspended", Decimal("59.90"))


def test_a_changed_client_is_read_again(whmcs: FakeWhmcs, connection: WhmcsConnection) -> None:
    sync(whmcs, connection)
    whmcs.rows("GetClients")[0]["lastname"] = "Yılmaz-Kara"
    whmcs.details["1"]["client"]["currency_code"] = "EUR"
    before = len(whmcs.calls("GetClientsDetails"))
    run = sync(whmcs, connection)
    assert len(whmcs.calls("GetClientsDetails")) == before + 1
    assert run.updated.get("customer") == 1
    assert User.objects.get(external_id="whmcs:client:1").full_name == "Ayşe Yılmaz-Kara"
    assert set(Service.objects.filter(customer__external_id="whmcs:client:1")
               .values_list("currency", flat=True)) == {"EUR"}


def test_a_service_gone_from_whmcs_is_cancelled_not_deleted(
        whmcs: FakeWhmcs, connection: WhmcsConnection) -> None:
    sync(whmcs, connection)
    products = whmcs.rows("GetClientsProducts")
    products[:] = [p for p in products if p["id"] != 12]
    run = sync(whmcs, connection)
    assert run.status == SyncStatus.SUCCESS and run.deleted == {"service": 1}
    assert "product:12" in run.message
    gone = Service.objects.get(external_id="product:12")
    assert gone.status == "cancelled" and gone.ended_on == timezone.localdate()
    # and it stays cancelled, reported once
    assert sync(whmcs, connection).deleted == {}


def test_a_page_that_keeps_failing_makes_a_partial_run_that_cancels_nothing(
        whmcs: FakeWhmcs, connection: WhmcsConnection) -> None:
    sync(whmcs, connection)
    products = whmcs.rows("GetClientsProducts")
    products[:] = [p for p in products if p["id"] != 20]  # gone from WHMCS
    next(p for p in products if p["id"] == 11)["status"] = "Suspended"
    whmcs.fail("GetClientsProducts", start=3, with_=[500, 500, 500])
    run = sync(whmcs, connection)
    assert run.status == SyncStatus.PARTIAL
    assert run.failed_pages == 1 and "GetClientsProducts from row 3" in run.message
    assert run.updated == {"service": 1}  # the pages that answered are applied
    assert run.deleted == {}
    assert Service.objects.get(external_id="product:20").status == "cancelled"  # as WHMCS had
    assert not Service.objects.filter(status="cancelled", external_id="product:19",
                                      ended_on=timezone.localdate()).exists()
    # the next complete run catches up
    assert sync(whmcs, connection).status == SyncStatus.SUCCESS


def test_a_gone_service_is_kept_while_a_page_failed(whmcs: FakeWhmcs,
                                                    connection: WhmcsConnection) -> None:
    sync(whmcs, connection)
    products = whmcs.rows("GetClientsProducts")
    products[:] = [p for p in products if p["id"] != 11]
    whmcs.fail("GetClientsDomains", start=3, with_=[503, 503, 503])
    run = sync(whmcs, connection)
    assert run.status == SyncStatus.PARTIAL and run.deleted == {}
    assert Service.objects.get(external_id="product:11").status == "active"
    assert sync(whmcs, connection).deleted == {"service": 1}


def test_a_500_then_success_is_a_complete_run(whmcs: FakeWhmcs,
                                              connection: WhmcsConnection) -> None:
    whmcs.fail("GetClients", start=3, with_=[500])
    run = sync(whmcs, connection)
    assert run.status == SyncStatus.SUCCESS and run.created["customer"] == 5


def test_wrong_credentials_fail_the_run_and_change_nothing(
        whmcs: FakeWhmcs, connection: WhmcsConnection) -> None:
    connection.sealed_secret = seal("wrong", purpose=WHMCS_SECRET_PURPOSE)
    connection.save()
    run = sync(whmcs, connection)
    assert run.status == SyncStatus.FAILED and "Authentication Failed" in run.message
    assert not Service.objects.exists() and not User.objects.exists()
    connection.refresh_from_db()
    assert connection.claimed_until is None


def test_a_row_that_cannot_be_read_is_an_error_and_the_rest_is_applied(
        whmcs: FakeWhmcs, connection: WhmcsConnection) -> None:
    next(p for p in whmcs.rows("GetClientsProducts") if p["id"] == 13)["billingcycle"] = "Weekly"
    run = sync(whmcs, connection)
    assert run.created["service"] == 13 and run.error_count == 1
    assert run.errors[0]["external_id"] == "product:13"
    assert "Weekly" in run.errors[0]["message"]


def test_a_crash_loses_nothing(whmcs: FakeWhmcs, connection: WhmcsConnection,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    real = whmcs_run.engine.apply
    calls = {"n": 0}

    def crash_on_services(**kw: object) -> object:
        if kw.get("services"):
            raise RuntimeError("worker killed")
        calls["n"] += 1
        return real(**kw)  # type: ignore[arg-type]

    monkeypatch.setattr(whmcs_run.engine, "apply", crash_on_services)
    with pytest.raises(RuntimeError):
        sync(whmcs, connection)
    failed = WhmcsSyncRun.objects.get()
    assert failed.status == SyncStatus.FAILED and "worker killed" in failed.message
    monkeypatch.setattr(whmcs_run.engine, "apply", real)
    again = sync(whmcs, connection)
    assert again.status == SyncStatus.SUCCESS
    assert again.created == {"service": 14} and again.unchanged["customer"] == 5


def test_one_run_at_a_time(whmcs: FakeWhmcs, connection: WhmcsConnection) -> None:
    now = timezone.now()
    assert claim(connection_id=connection.pk, now=now, scheduled=False)
    assert sync_connection(connection_id=connection.pk, manual=True,
                           client_factory=factory(whmcs)) is None
    # a run whose worker died is taken over once its lease ends, and marked interrupted
    stale = WhmcsSyncRun.objects.create(connection=connection)
    WhmcsConnection.objects.filter(pk=connection.pk).update(
        claimed_until=now - timedelta(seconds=1))
    assert sync(whmcs, connection).status == SyncStatus.SUCCESS
    stale.refresh_from_db()
    assert stale.status == SyncStatus.FAILED and "Interrupted" in stale.message


def test_the_schedule_runs_each_enabled_connection_when_its_interval_elapsed(
        whmcs: FakeWhmcs, connection: WhmcsConnection,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whmcs_run, "default_client", factory(whmcs))
    monkeypatch.setattr(whmcs_run.sync_connection, "__kwdefaults__",
                        {"manual": False, "client_factory": factory(whmcs)})
    WhmcsConnection.objects.create(url=whmcs.url, identifier="x", source="other",
                                   enabled=False)
    assert whmcs_sync_due() == 1  # celery runs the task inline in tests
    assert WhmcsSyncRun.objects.get().status == SyncStatus.SUCCESS
    assert whmcs_sync_due() == 0  # not due again before interval_minutes
    WhmcsConnection.objects.filter(pk=connection.pk).update(
        last_started_at=timezone.now() - timedelta(minutes=61))
    assert whmcs_sync_due() == 1
    assert WhmcsSyncRun.objects.count() == 2


def test_a_secret_sealed_under_another_secret_key_fails_with_a_clear_message(
        connection: WhmcsConnection, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SECRET_KEY = "another-key-entirely-" * 3
    run = sync_connection(connection_id=connection.pk, manual=True)
    assert run is not None and run.status == SyncStatus.FAILED
    assert "enter the secret again" in run.message
