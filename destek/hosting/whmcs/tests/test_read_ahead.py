"""The read-ahead thread behind the sync's paging: items in order, the producer's error raised
where it happened, and no thread left behind when the consumer stops early or fails."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import closing

import pytest

from destek.hosting.whmcs.client import WhmcsUnavailable
from destek.hosting.whmcs.run import read_ahead


def readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "whmcs-read-ahead"]


def pages(n: int, *, fail_after: int | None = None) -> Iterator[int]:
    for i in range(n):
        if i == fail_after:
            raise WhmcsUnavailable("GetClients: WHMCS answered HTTP 503 (tried 4 times)")
        yield i


def test_items_come_in_order_then_the_producers_error() -> None:
    got: list[int] = []
    with pytest.raises(WhmcsUnavailable, match="503"):
        for item in read_ahead(pages(10, fail_after=6), depth=2):
            got.append(item)
    assert got == [0, 1, 2, 3, 4, 5]
    assert not readers()


def test_a_consumer_that_stops_early_or_fails_leaves_no_thread() -> None:
    with closing(read_ahead(pages(1000), depth=2)) as items:
        assert next(items) == 0
    assert not readers()
    with pytest.raises(RuntimeError), closing(read_ahead(pages(1000), depth=2)) as items:
        for _item in items:
            raise RuntimeError("the engine failed")
    assert not readers()
