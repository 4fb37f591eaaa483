"""Parse a stored inbound email, thread it and hand it to the intake funnel (to be built)."""

from __future__ import annotations


def process(inbound_id: int) -> str:
    raise NotImplementedError
