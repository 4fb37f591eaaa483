"""Celery tasks of the live chat: thin adapters, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from destek.livechat.services.abandon import chats_abandon_unconnected


@shared_task(name="destek.livechat.tasks.abandon_unconnected_chats")
def abandon_unconnected_chats() -> int:
    return chats_abandon_unconnected()
