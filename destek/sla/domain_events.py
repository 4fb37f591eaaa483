"""Facts the SLA engine publishes on the bus (destek.core.bus); destek.wiring decides who
hears them (triggers, outbound webhooks)."""

from __future__ import annotations

from dataclasses import dataclass

from destek.tickets.models import Ticket


@dataclass(frozen=True)
class SlaAlerted:
    """A deadline of `ticket` is near (`kind` "warning") or passed ("breach"); `metric` is
    the target (first response, next response, resolution). Published once per alert, when
    the scan carries it out."""

    ticket: Ticket
    kind: str
    metric: str
