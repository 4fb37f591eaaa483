"""The WHMCS client against a real local HTTP server answering recorded replies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from destek.hosting.whmcs.client import (
    WhmcsApiError,
    WhmcsBadResponse,
    WhmcsClient,
    WhmcsUnavailable,
    rows_of,
)
from destek.hosting.whmcs.testing import FakeWhmcs


@pytest.fixture
def whmcs() -> Iterator[FakeWhmcs]:
    with FakeWhmcs(slow_seconds=1.0) as fake:
        yield fake


def client_for(fake: FakeWhmcs, *, secret: str = "api-secret",  # noqa: S107
               **kw: object) -> WhmcsClient:
    pauses: list[float] = []
    client = WhmcsClient(url=fake.url + "/", identifier="api-identifier", secret=secret,
                         sleep=pauses.append, **kw)  # type: ignore[arg-type]
    client.pauses = pauses  # type: ignore[attr-defined]
    return client


def test_pages_through_every_row_with_the_documented_parameters(whmcs: FakeWhmcs) -> None:
    with client_for(whmcs) as client:
        pages = list(client.pages("GetClientsProducts", size=3))
    assert [len(p.rows) for p in pages] == [3, 3, 3, 1]
    assert [row["id"] for p in pages for row in p.rows] == list(range(11, 21))
    sent = whmcs.calls("GetClientsProducts")
    assert [(r["limitstart"], r["limitnum"]) for r in sent] == [
        ("0", "3"), ("3", "3"), ("6", "3"), ("9", "3")]
    assert all(r["responsetype"] == "json" and r["identifier"] == "api-identifier"
               for r in sent)


def test_totalresults_sent_as_a_string_still_ends_the_paging(whmcs: FakeWhmcs) -> None:
    with client_for(whmcs) as client:
        pages = list(client.pages("GetClientsDomains", size=3))
    assert pages[0].total == 4 and sum(len(p.rows) for p in pages) == 4
    assert len(whmcs.calls("GetClientsDomains")) == 2


def test_wrong_credentials_are_a_clear_error_and_not_retried(whmcs: FakeWhmcs) -> None:
    with client_for(whmcs, secret="wrong") as client, pytest.raises(WhmcsApiError) as caught:
        client.call("GetClients")
    assert "Authentication Failed" in caught.value.message
    assert len(whmcs.requests) == 1


def test_an_api_error_carries_whmcs_message(whmcs: FakeWhmcs) -> None:
    whmcs.fail("GetClients", with_=["error:Invalid IP 203.0.113.9"])
    with client_for(whmcs) as client, pytest.raises(WhmcsApiError) as caught:
        client.page("GetClients", start=0, size=25)
    assert caught.value.message == "GetClients: Invalid IP 203.0.113.9"


def test_a_500_is_retried_with_a_growing_pause(whmcs: FakeWhmcs) -> None:
    whmcs.fail("GetClients", with_=[500, 503])
    with client_for(whmcs, backoff=0.5) as client:
        page = client.page("GetClients", start=0, size=25)
        assert client.pauses == [0.5, 1.0]  # type: ignore[attr-defined]
        assert client.calls == 3
    assert len(page.rows) == 5


def test_a_timeout_is_retried(whmcs: FakeWhmcs) -> None:
    whmcs.fail("GetCurrencies", with_=["timeout"])
    with client_for(whmcs, timeout=0.2) as client:
        rows = client.all_rows("GetCurrencies")
        assert client.calls == 2
    assert [r["code"] for r in rows] == ["USD", "TRY", "EUR"]


def test_a_server_that_keeps_failing_gives_up_after_the_attempts(whmcs: FakeWhmcs) -> None:
    whmcs.fail("GetClients", with_=[502] * 5)
    with client_for(whmcs, attempts=3) as client, pytest.raises(WhmcsUnavailable) as caught:
        client.call("GetClients")
    assert "HTTP 502" in caught.value.message and "3 times" in caught.value.message


def test_an_address_that_is_not_whmcs_is_named(whmcs: FakeWhmcs) -> None:
    client = WhmcsClient(url=whmcs.url + "/billing", identifier="x", secret="y")
    with client, pytest.raises(WhmcsBadResponse) as caught:
        client.call("GetClients")
    assert "check the URL" in caught.value.message


def test_an_unreachable_server_is_unavailable() -> None:
    client = WhmcsClient(url="http://127.0.0.1:9", identifier="x", secret="y", attempts=2,
                         sleep=lambda _s: None, timeout=1.0)
    with client, pytest.raises(WhmcsUnavailable) as caught:
        client.call("GetClients")
    assert "cannot reach WHMCS" in caught.value.message


def test_empty_lists_come_in_several_shapes() -> None:
    assert rows_of("GetClients", {"clients": ""}) == []
    assert rows_of("GetClients", {"clients": {}}) == []
    assert rows_of("GetClients", {"clients": {"client": {"id": 1}}}) == [{"id": 1}]
