"""A change of the SLA configuration: every process reloads it, and a background job
recomputes the open tickets' deadlines (destek.sla.services.recompute, run by
destek.sla.tasks)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Count, F, Min

from destek.sla.models import SlaRecompute, SlaSettings
from destek.sla.policies import current_version, forget_config
from destek.sla.tasks import sla_recompute
from destek.tickets.models import OPEN_STATUSES, Ticket

logger = logging.getLogger(__name__)


def sla_config_changed(*, reason: str) -> SlaRecompute:
    """Every process reloads the configuration; open tickets are recomputed in the background."""
    updated = SlaSettings.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        SlaSettings.objects.get_or_create(pk=1, defaults={"version": 2})
    forget_config()
    return recompute_start(reason=reason)


def recompute_start(*, reason: str) -> SlaRecompute:
    # The count for the progress bar, and the first open ticket: the job starts there, so
    # its first batch does not walk the primary key past every closed ticket before it (a
    # ticket reopened later gets its deadlines from its own change, like any other).
    found = Ticket.objects.filter(status__in=OPEN_STATUSES).aggregate(total=Count("pk"),
                                                                      first=Min("pk"))
    job = SlaRecompute.objects.create(version=current_version(), reason=reason[:200],
                                      total=found["total"],
                                      last_ticket_id=(found["first"] or 1) - 1)

    def enqueue() -> None:
        try:
            sla_recompute.delay(job.pk)
        except Exception:  # the sweeper starts it later
            logger.warning("Could not enqueue SLA recomputation %s", job.pk, exc_info=True)

    transaction.on_commit(enqueue, robust=True)
    return job
