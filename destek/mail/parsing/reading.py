"""The policy the parser reads mail with: the stdlib's policy.default, remembering parsed
headers.

policy.default parses a header again on every `get`: the stdlib's feed parser alone asks
for each part's Content-Type three times while it reads the MIME tree (about half of the
parsing time of a simple message went there). A parsed header is an immutable str subclass
and a pure function of (name, value), so the same object can be handed out again.
"""

from __future__ import annotations

from email.policy import EmailPolicy, default
from functools import lru_cache
from typing import Any

# Longer values (a huge References header, a folded recipient list) are parsed every time,
# so the cache's memory stays small.
MAX_REMEMBERED_CHARS = 998


@lru_cache(maxsize=512)
def _parsed(name: str, value: str) -> Any:
    return default.header_fetch_parse(name, value)


class RememberingPolicy(EmailPolicy):
    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name") or not isinstance(value, str) or (
                len(value) > MAX_REMEMBERED_CHARS):
            return super().header_fetch_parse(name, value)
        return _parsed(name, value)


READING = RememberingPolicy()
