"""The tickets inbound emails may belong to, with the relations the funnel uses.

Read once per batch of emails (handling.Context: one query for the tickets the batch's
headers and subjects point at; the funnel then only locks each row: intake's
InboundMessage.ticket), with the department, customer and assignee joined in. A
hand-written statement once saved 0.5 ms per reply here (bench/README, 0.71 → 0.21 ms),
about 6 % of an email's 8.5 ms of CPU: not enough to keep a second way of reading tickets;
reading a batch's tickets in one query saves most of it (bench.mail --profile).
"""

from __future__ import annotations

from collections.abc import Iterable

from destek.tickets.models import Ticket


def tickets_by_id(ids: Iterable[int]) -> dict[int, Ticket]:
    """The existing tickets among `ids`, by id (no query for none)."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return {}
    return Ticket.objects.select_related("department", "customer", "assignee").in_bulk(unique)
