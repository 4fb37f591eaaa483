"""The ticket token Destek puts in the subjects it sends: "[#T-100042] Your subject"."""

from __future__ import annotations

import re

# Reference format "T-{100000 + pk}" (docs/adr/0001, tickets.models.format_reference). Clients
# and forwarders may drop the "#", change case or add spaces: "[ #t-100042 ]".
_TOKEN = re.compile(r"\[\s*#?\s*T\s*-\s*(\d{6,12})\s*\]", re.IGNORECASE | re.ASCII)


def ticket_token_in_subject(subject: str) -> str | None:
    """The first ticket reference in a subject, normalised ("T-100042"), or None."""
    match = _TOKEN.search(subject or "")
    return f"T-{match[1]}" if match else None
