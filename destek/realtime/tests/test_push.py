"""The one way to push: on commit, once per key per transaction, errors logged not raised."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from destek.livechat import events
from destek.realtime import push


class RecordingLayer:
    def __init__(self, failing: set[str] | None = None) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.failing = failing or set()

    async def group_send(self, group: str, message: dict) -> None:
        if group in self.failing:
            raise ConnectionError("redis is down")
        self.sent.append((group, message))


@pytest.fixture
def layer(monkeypatch) -> RecordingLayer:  # type: ignore[no-untyped-def]
    recording = RecordingLayer()
    monkeypatch.setattr(push, "get_channel_layer", lambda: recording)
    return recording


@pytest.mark.django_db(transaction=True)
def test_pushes_leave_after_the_commit_once_per_key(layer) -> None:
    with transaction.atomic():
        push.push_on_commit("a", {"type": "x", "n": 1}, key="k")
        push.push_on_commit("a", {"type": "x", "n": 2}, key="k")  # same key: dropped
        push.push_on_commit(("a", "b"), {"type": "y"})
        assert layer.sent == []
    assert layer.sent == [("a", {"type": "x", "n": 1}), ("a", {"type": "y"}),
                          ("b", {"type": "y"})]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_pushed_when_the_transaction_rolls_back(layer) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        push.push_on_commit("a", {"type": "x"})
        raise RuntimeError("boom")
    assert layer.sent == []


def test_a_failing_group_is_logged_and_the_others_still_hear(monkeypatch, caplog) -> None:
    recording = RecordingLayer(failing={"a"})
    monkeypatch.setattr(push, "get_channel_layer", lambda: recording)
    with caplog.at_level(logging.ERROR, logger="destek.realtime.push"):
        push.push_now([("a", {"type": "x"}), ("b", {"type": "x"})])
    assert recording.sent == [("b", {"type": "x"})]
    assert "Could not push to a" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_chat_services_run_collecting_keep_their_pushes_for_the_consumer(layer) -> None:
    def service() -> int:
        with transaction.atomic():
            events.publish_on_commit("chat.queue", {"type": "chat.queue"})
        return 7

    result, collected = events.collecting(service)()
    assert result == 7 and layer.sent == []
    assert collected == [("chat.queue", {"type": "chat.queue"})]

    def failing() -> None:
        service()
        raise ValueError("after the commit")

    with pytest.raises(ValueError):
        events.collecting(failing)()
    assert layer.sent == [("chat.queue", {"type": "chat.queue"})]  # committed: announced
