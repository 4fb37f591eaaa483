"""destek.core.processes gives free heap memory back: fewer malloc arenas, and malloc_trim at
most once a second after a request or a task."""

from __future__ import annotations

from typing import Any

import pytest
from celery.utils.dispatch import Signal as CelerySignal
from django.dispatch import Signal

from destek.core import processes


class FakeLibc:
    def __init__(self) -> None:
        self.trims = 0
        self.options: list[tuple[int, int]] = []

    def malloc_trim(self, pad: int) -> int:
        self.trims += 1
        return 1

    def mallopt(self, param: int, value: int) -> int:
        self.options.append((param, value))
        return 1


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> FakeLibc:
    fake = FakeLibc()
    monkeypatch.setattr(processes, "_glibc", lambda: fake)
    monkeypatch.setattr(processes._trimmer, "last", 0.0)
    return fake


@pytest.mark.parametrize("make_signal", [Signal, CelerySignal])
def test_memory_is_given_back_at_most_once_a_second(libc: FakeLibc, monkeypatch: Any,
                                                    make_signal: Any) -> None:
    clock = [1000.0]
    monkeypatch.setattr(processes.time, "monotonic", lambda: clock[0])
    event = make_signal()
    processes.give_memory_back_after(event)
    assert libc.options == [(processes.M_ARENA_MAX, processes.MALLOC_ARENAS)]
    for _ in range(5):
        event.send(sender=None)
    assert libc.trims == 1
    clock[0] += processes.TRIM_EVERY_SECONDS
    event.send(sender=None)
    event.send(sender=None)
    assert libc.trims == 2


def test_connecting_twice_trims_once(libc: FakeLibc) -> None:
    event = Signal()
    processes.give_memory_back_after(event)
    processes.give_memory_back_after(event)
    event.send(sender=None)
    assert libc.trims == 1


def test_this_machines_glibc_is_found() -> None:
    libc = processes._glibc()
    assert libc is not None and libc.malloc_trim(0) in (0, 1)
