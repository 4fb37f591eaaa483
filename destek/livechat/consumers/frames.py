"""What both chat sockets share: strict frame decoding, a token bucket, close codes.

Junk is not tolerated on a chat socket: a binary, oversized, non-JSON or malformed frame
closes the connection (the widget reconnects and resumes, so an honest client loses
nothing), and the consumer never raises on it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings

CLOSE_BAD_FRAME = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_RATE_LIMITED = 4429


class BadFrame(Exception):
    pass


def decode_frame(text_data: str | None, bytes_data: bytes | None) -> dict[str, Any]:
    if bytes_data is not None or text_data is None:
        raise BadFrame("binary frame")
    if len(text_data) > settings.DESTEK_CHAT_MAX_FRAME_BYTES:
        raise BadFrame("oversized frame")
    try:
        content = json.loads(text_data)
    except ValueError:
        raise BadFrame("not JSON") from None
    if not isinstance(content, dict) or not isinstance(content.get("type"), str):
        raise BadFrame("not a typed object")
    return content


def seq_value(value: Any) -> int:
    """A non-negative sequence number, or BadFrame."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise BadFrame("bad seq")
    return value


def text_value(value: Any, *, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise BadFrame("bad text")
    return value


class TokenBucket:
    """`rate` frames per second sustained, `burst` at once; read settings at construction."""

    def __init__(self, rate: float | None = None, burst: int | None = None) -> None:
        self.rate = rate if rate is not None else settings.DESTEK_CHAT_RATE_PER_SECOND
        self.capacity = float(burst if burst is not None else settings.DESTEK_CHAT_RATE_BURST)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
