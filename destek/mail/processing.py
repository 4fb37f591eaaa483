"""Processing a stored inbound email: once, whatever happens to the worker running it.

* Idempotent and safe to run concurrently: the row is locked (SELECT … FOR UPDATE) and only
  a `pending` row is processed; the intake funnel deduplicates on the Message-ID as well.
* Every attempt is counted in its own short transaction before the work starts, so a message
  that kills its worker every time is quarantined after MAX_ATTEMPTS instead of looping.
* Any failure (UnparseableEmail, a ProcessingError, a bug) rolls the work back to a savepoint
  and quarantines the row with its error; later mail keeps flowing. Admins reprocess it.
* A lost task (a worker killed before it acknowledged, a broker hiccup) leaves the row
  pending; `sweep` (Celery beat, every minute) enqueues rows pending for over a minute.
"""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta
from enum import StrEnum

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from destek.mail.handling import Handled, ProcessingError, handle
from destek.mail.models import InboundEmail, InboundState
from destek.mail.parsing.types import ParsedEmail, UnparseableEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
PENDING_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 1000
MAX_ERROR_CHARS = 4000


class Outcome(StrEnum):
    TICKET = "ticket"
    REPLY = "reply"
    IGNORED = "ignored"
    QUARANTINED = "quarantined"
    SKIPPED = "skipped"  # not pending (done already, or another worker has it)


def parse(raw: bytes) -> ParsedEmail:
    """The MIME parser (destek.mail.parsing); a seam tests can replace."""
    from destek.mail import parsing

    parse_email = getattr(parsing, "parse_email", None)
    if parse_email is None:  # the parser is not installed in this build
        raise UnparseableEmail("No MIME parser is available.")
    result: ParsedEmail = parse_email(raw)
    return result


def process(inbound_id: int) -> str:
    """Turn one stored email into a ticket, a reply, an ignored or a quarantined message."""
    counted = InboundEmail.objects.filter(pk=inbound_id, state=InboundState.PENDING).update(
        attempts=F("attempts") + 1)
    if not counted:
        return Outcome.SKIPPED
    with transaction.atomic():
        row = (InboundEmail.objects.select_for_update(of=("self",)).select_related("mailbox")
               .filter(pk=inbound_id, state=InboundState.PENDING).first())
        if row is None:
            return Outcome.SKIPPED
        if row.attempts > MAX_ATTEMPTS:
            return _quarantine(row, f"Gave up after {row.attempts - 1} interrupted attempts "
                                    "(the worker died while processing this message).")
        try:
            parsed = parse(bytes(row.raw))
            row.from_address = parsed.from_address[:320]
            row.subject = parsed.subject[:255]
            with transaction.atomic():
                handled = handle(row, parsed)
        except (UnparseableEmail, ProcessingError) as exc:
            return _quarantine(row, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a bug must not block the mailbox: keep the mail, move on
            logger.exception("Inbound email %s could not be processed", inbound_id)
            return _quarantine(row, _describe(exc))
        return _finish(row, handled)


def _describe(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc))
    return text[-MAX_ERROR_CHARS:]


def _quarantine(row: InboundEmail, error: str) -> str:
    row.state = InboundState.QUARANTINED
    row.error = error[:MAX_ERROR_CHARS]
    row.processed_at = timezone.now()
    row.save(update_fields=["state", "error", "processed_at", "from_address", "subject"])
    return Outcome.QUARANTINED


def _finish(row: InboundEmail, handled: Handled) -> str:
    row.state = handled.state
    row.note = handled.note
    row.error = ""
    row.ticket = handled.ticket
    row.ticket_message = handled.message
    row.processed_at = timezone.now()
    row.save(update_fields=["state", "note", "error", "ticket", "ticket_message",
                            "processed_at", "from_address", "subject"])
    if handled.state == InboundState.IGNORED:
        return Outcome.IGNORED
    return Outcome.TICKET if handled.created_ticket else Outcome.REPLY


def reprocess(*, ids: list[int]) -> int:
    """Put messages back in line (an admin action): quarantined or ignored ones are tried
    again; the funnel's deduplication keeps already filed ones from being filed twice."""
    with transaction.atomic():
        ids = list(InboundEmail.objects.filter(pk__in=ids).exclude(
            state=InboundState.PENDING).values_list("pk", flat=True))
        InboundEmail.objects.filter(pk__in=ids).update(state=InboundState.PENDING, attempts=0)
        for pk in ids:
            enqueue_on_commit(pk)
    return len(ids)


def enqueue_on_commit(inbound_id: int) -> None:
    transaction.on_commit(lambda: enqueue(inbound_id), robust=True)


def enqueue(inbound_id: int) -> None:
    """Send the task; a broker failure is logged and the sweeper picks the row up later."""
    from destek.mail.tasks import process_inbound_email

    try:
        process_inbound_email.delay(inbound_id)
    except Exception:
        logger.warning("Could not enqueue inbound email %s", inbound_id, exc_info=True)


def sweep(*, older_than: timedelta = PENDING_GRACE) -> list[int]:
    """Ids of rows still pending after `older_than` (their task was lost)."""
    cutoff = timezone.now() - older_than
    return list(
        InboundEmail.objects.filter(state=InboundState.PENDING, received_at__lt=cutoff)
        .order_by("received_at").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
