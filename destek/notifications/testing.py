"""For tests: what the outbox will send, without a worker.

Ticket notifications are rendered by the delivery worker (destek.notifications.outbox);
inside a test transaction no worker runs, so tests that read an email's subject, body or
headers render the waiting rows first, exactly as the worker does before its first attempt.
"""

from __future__ import annotations

from django.utils import timezone

from destek.notifications.models import OutboundEmail
from destek.notifications.render import rendered_fields


def render_outbox() -> int:
    """Render every notification row still waiting for its worker; returns how many."""
    count = 0
    for row in OutboundEmail.objects.filter(rendered_at__isnull=True).exclude(payload={}):
        OutboundEmail.objects.filter(pk=row.pk).update(rendered_at=timezone.now(),
                                                       **rendered_fields(row))
        count += 1
    return count
