"""Processing stored inbound email: each message once, whatever happens to the worker.

* Batches. A task takes its own message and up to DESTEK_MAIL_BATCH_SIZE-1 others (oldest
  first), files them in one transaction (a savepoint each) and commits once: the tasks of
  the others then find nothing to do (one plain SELECT each). Two short transactions per
  batch instead of per email. What the batch's emails share is read once (senders, quoted
  Message-IDs, bouncing flags, automatic-reply counts: handling.Context and
  policies.batch_cache), and the desks
  hear of the batch's tickets in one push after the commit.
* Wake-ups. With a shared cache a burst of stores publishes one task (see
  destek.mail.tasks), which takes the oldest waiting batch and, when it was full,
  wakes the next task; otherwise each email has its own task (`process`).
* Claims. Taking a batch is committed first (`attempts` + 1, `claimed_until`), so a message
  that kills its worker every time is noticed: a message that was interrupted before is
  processed alone, and after MAX_ATTEMPTS it is quarantined instead of looping.
* Idempotent and safe to run concurrently: only a pending row that is not claimed by a live
  worker is taken (FOR UPDATE SKIP LOCKED), and the intake funnel deduplicates on the
  Message-ID as well (with the row's key for a reused one).
* Reused Message-IDs. A row is stored once per content (destek.mail.store), so a row whose
  Message-ID an earlier row has is a different message (or, for rows stored before
  fingerprints, perhaps the same: then it becomes that row's DUPLICATE). It is filed on its
  own, `same_message_id_as` the earlier one, under an external id of its own (one query per
  batch finds them).
* Every row ends in one visible state: processed (a ticket opened, or a reply), ignored
  with its reason in `note`, quarantined with its `error`, or a duplicate of another row.
* Any failure (UnparseableEmail, a ProcessingError, a bug) rolls that message back to its
  savepoint and quarantines it with its error; the rest of the batch and later mail flow on.
  A transient database error (deadlock, lock timeout) leaves it pending to be tried again.
* A lost task (a worker killed before it acknowledged, a broker hiccup) leaves rows pending;
  `sweep` (Celery beat, every minute) finds rows pending for over a minute whose claim,
  if any, has expired. Enqueuing (tasks, retries, wake-ups) is destek.mail.tasks' business:
  this module never asks for a task, so it does not import the tasks that call it.
"""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from destek.mail import identity, policies
from destek.mail.handling import Context, Handled, ProcessingError, handle
from destek.mail.models import InboundEmail, InboundState
from destek.mail.parsing import ParsedEmail, UnparseableEmail, parse_email
from destek.notifications import directory
from destek.realtime.push import pushes_coalesced

logger = logging.getLogger(__name__)

BATCH_SIZE = 20
MAX_ATTEMPTS = 5
PENDING_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 1000
MAX_ERROR_CHARS = 4000
_FINISH_FIELDS = ["state", "note", "error", "ticket", "ticket_message", "processed_at",
                  "from_address", "subject", "claimed_until", "opened_ticket",
                  "same_message_id_as"]


class Outcome(StrEnum):
    TICKET = "ticket"
    REPLY = "reply"
    IGNORED = "ignored"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"  # a copy of a message stored before (rows from before fingerprints)
    SKIPPED = "skipped"  # not pending (done already, or another worker has it)
    RETRY = "retry"  # a transient database error; still pending


def parse(raw: bytes) -> ParsedEmail:
    """The MIME parser; a seam tests can replace."""
    return parse_email(raw)


def process(inbound_id: int) -> str:
    """File this email, and others waiting with it; returns what became of this one."""
    return process_batch(inbound_id).get(inbound_id, Outcome.SKIPPED)


def process_batch(inbound_id: int) -> dict[int, str]:
    """File this email and others waiting with it; what became of each."""
    ids = claim(inbound_id)
    return process_claimed(ids) if ids else {}


def claim_duration() -> timedelta:
    """How long a worker owns the batch it took (then it is presumed dead)."""
    return timedelta(seconds=int(getattr(settings, "DESTEK_MAIL_CLAIM_SECONDS", 60)))


def _claimable() -> Q:
    return Q(state=InboundState.PENDING) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=timezone.now()))


def _waiting(inbound_id: int) -> bool:
    """Whether the row is still pending and unclaimed: one SELECT, no transaction.

    Most tasks find their email already filed in another task's batch; they stop here."""
    return InboundEmail.objects.filter(_claimable(), pk=inbound_id).exists()


def configured_batch_size() -> int:
    """DESTEK_MAIL_BATCH_SIZE: emails filed in one transaction (at least 1)."""
    return max(int(getattr(settings, "DESTEK_MAIL_BATCH_SIZE", BATCH_SIZE)), 1)


def claim(inbound_id: int, *, batch_size: int | None = None) -> list[int]:
    """Take `inbound_id` (when it is waiting) and others waiting, committed before the work.

    A message interrupted before (attempts > 0) goes alone, so a message that kills its
    worker cannot take a batch of innocent ones down with it twice. A task whose email is
    no longer waiting takes nothing: the waiting ones have tasks of their own (or the sweep
    re-enqueues them)."""
    if not _waiting(inbound_id):
        return []
    size = batch_size if batch_size is not None else configured_batch_size()
    with transaction.atomic():
        first = list(InboundEmail.objects.select_for_update(skip_locked=True)
                     .filter(_claimable(), pk=inbound_id).values_list("pk", "attempts"))
        if first and first[0][1] > 0:
            ids = [inbound_id]
        else:
            ids = [pk for pk, _attempts in first] + _oldest_waiting(
                size - len(first), exclude=inbound_id)
        _mark_claimed(ids)
    return ids


def claim_waiting(*, batch_size: int | None = None) -> list[int]:
    """Take the oldest waiting emails never tried before (a wake-up's batch), committed
    before the work. Interrupted ones (attempts > 0) are left to their own task."""
    size = batch_size if batch_size is not None else configured_batch_size()
    with transaction.atomic():
        ids = _oldest_waiting(size)
        _mark_claimed(ids)
    return ids


def _oldest_waiting(count: int, *, exclude: int | None = None) -> list[int]:
    if count <= 0:
        return []
    rows = (InboundEmail.objects.select_for_update(skip_locked=True)
            .filter(_claimable(), attempts=0).order_by("received_at", "pk"))
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return list(rows.values_list("pk", flat=True)[:count])


def _mark_claimed(ids: list[int]) -> None:
    if ids:
        InboundEmail.objects.filter(pk__in=ids).update(
            attempts=F("attempts") + 1, claimed_until=timezone.now() + claim_duration())


def process_claimed(ids: list[int]) -> dict[int, str]:
    """File the claimed rows in one transaction, a savepoint each; the desks hear of the
    batch's tickets in one push after the commit. Rows left pending by a transient error
    (Outcome.RETRY) are released for the caller to enqueue again."""
    outcomes: dict[int, str] = {}
    retry: list[int] = []
    context = Context()
    with (pushes_coalesced(), transaction.atomic(),
          directory.department_mailboxes_cached()):
        rows = list(InboundEmail.objects.select_for_update(of=("self",))
                    .select_related("mailbox").filter(pk__in=ids, state=InboundState.PENDING)
                    .order_by("received_at", "pk"))
        for row in _copies_of_earlier(rows):
            outcomes[row.pk] = Outcome.DUPLICATE
        rows = [row for row in rows if row.pk not in outcomes]
        prepared = [(row, _prepare(row)) for row in rows]
        mails = [p for _row, p in prepared if isinstance(p, ParsedEmail)]
        context.prefetch(mails)
        finished: list[InboundEmail] = []
        with policies.batch_cache(m.from_address for m in mails):
            for row, parsed in prepared:
                outcome = (_file(row, parsed, context) if isinstance(parsed, ParsedEmail)
                           else parsed)
                outcomes[row.pk] = outcome
                if outcome == Outcome.RETRY:
                    retry.append(row.pk)
                else:
                    finished.append(row)
        _save_finished(finished)
        if retry:
            InboundEmail.objects.filter(pk__in=retry).update(claimed_until=None)
    return outcomes


def _copies_of_earlier(rows: list[InboundEmail]) -> list[InboundEmail]:
    """Link each row whose Message-ID an earlier row has to that row (`same_message_id_as`);
    the rows that are copies of a row stored before fingerprints (same content) are made its
    duplicates instead, and returned. One query for the batch."""
    wanted = [row for row in rows if row.header_message_id and row.same_message_id_as_id is None]
    if not wanted:
        return []
    hashes = {row.message_id_hash or identity.message_id_hash(row.header_message_id)
              for row in wanted}
    legacy = {f"mid:{row.header_message_id}"[:255] for row in wanted}
    earlier: dict[str, list[tuple[int, str]]] = {}
    for pk, message_id, key in (
            InboundEmail.objects.filter(Q(message_id_hash__in=hashes) | Q(dedupe_key__in=legacy))
            .exclude(state=InboundState.DUPLICATE).order_by("pk")
            .values_list("pk", "header_message_id", "dedupe_key")):
        earlier.setdefault(message_id, []).append((pk, key))
    copies: list[InboundEmail] = []
    for row in wanted:
        before = [(pk, key) for pk, key in earlier.get(row.header_message_id, []) if pk < row.pk]
        if not before:
            continue
        original = _same_content(row, [pk for pk, key in before if not key.startswith("fp:")])
        if original is not None:
            _make_duplicate(row, original)
            copies.append(row)
        else:
            row.same_message_id_as_id = before[0][0]
    return copies


def _same_content(row: InboundEmail, legacy_ids: list[int]) -> int | None:
    """The row stored before fingerprints (keyed by Message-ID) with `row`'s content."""
    if not legacy_ids:
        return None
    mine = identity.fingerprint(bytes(row.raw))
    for pk, raw in InboundEmail.objects.filter(pk__in=legacy_ids).order_by("pk").values_list(
            "pk", "raw"):
        if raw and identity.fingerprint(bytes(raw)) == mine:
            return int(pk)
    return None


def _make_duplicate(row: InboundEmail, original_id: int) -> None:
    row.state = InboundState.DUPLICATE
    row.duplicate_of_id = original_id
    row.note = (_("The same message as inbound email #%(id)d (received again).")
                % {"id": original_id})[:255]
    row.claimed_until = None
    row.processed_at = timezone.now()
    InboundEmail.objects.filter(pk=row.pk).update(
        state=row.state, duplicate_of=original_id, note=row.note, raw=b"",
        claimed_until=None, processed_at=row.processed_at)


def _save_finished(rows: list[InboundEmail]) -> None:
    """One UPDATE per row, of the fields filing sets. (bulk_update's CASE per column and
    row cost ~2 ms of compilation per email; a plain executemany saved a few tenths of a
    millisecond more than these, under the 20 % of an email's CPU that would justify it.)"""
    for row in rows:
        row.save(update_fields=_FINISH_FIELDS)


def _prepare(row: InboundEmail) -> ParsedEmail | str:
    """The parsed email, or the outcome of one that cannot be filed (quarantined)."""
    row.claimed_until = None
    row.processed_at = timezone.now()
    if row.attempts > MAX_ATTEMPTS:
        return _quarantine(row, ngettext(
            "Gave up after %(count)d interrupted attempt (the worker died while processing "
            "this message).",
            "Gave up after %(count)d interrupted attempts (the worker died while processing "
            "this message).", row.attempts - 1) % {"count": row.attempts - 1})
    try:
        parsed = parse(bytes(row.raw))
    except UnparseableEmail as exc:
        return _quarantine(row, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a bug must not block the mailbox: keep the mail, move on
        logger.exception("Inbound email %s could not be parsed", row.pk)
        return _quarantine(row, _describe(exc))
    row.from_address = parsed.from_address[:320]
    row.subject = parsed.subject[:255]
    return parsed


def _file(row: InboundEmail, parsed: ParsedEmail, context: Context) -> str:
    try:
        with transaction.atomic():
            handled = handle(row, parsed, context)
    except (UnparseableEmail, ProcessingError) as exc:
        return _quarantine(row, f"{type(exc).__name__}: {exc}")
    except OperationalError as exc:  # deadlock, lock timeout: try again later
        logger.warning("Inbound email %s: transient database error, will retry: %s", row.pk,
                       exc)
        return Outcome.RETRY
    except Exception as exc:  # a bug must not block the mailbox: keep the mail, move on
        logger.exception("Inbound email %s could not be processed", row.pk)
        return _quarantine(row, _describe(exc))
    return _finish(row, handled)


def _describe(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc))
    return text[-MAX_ERROR_CHARS:]


def _quarantine(row: InboundEmail, error: str) -> str:
    row.state = InboundState.QUARANTINED
    row.error = error[:MAX_ERROR_CHARS]
    return Outcome.QUARANTINED


def _finish(row: InboundEmail, handled: Handled) -> str:
    # Processed again (an admin's "Process again"): the funnel found what it filed before;
    # what it became then still holds.
    refiled = handled.message is not None and handled.message.pk == row.ticket_message_id
    row.state = handled.state
    if not (refiled and row.note):
        row.note = handled.note
    row.opened_ticket = handled.created_ticket or (refiled and row.opened_ticket)
    row.error = ""
    row.ticket = handled.ticket
    row.ticket_message = handled.message
    if row.same_message_id_as_id is not None and not refiled:
        row.note = (row.note + " " + _(
            "Its Message-ID was used before by a different message (inbound email "
            "#%(id)d).") % {"id": row.same_message_id_as_id}).strip()[:255]
    if handled.state == InboundState.IGNORED:
        return Outcome.IGNORED
    return Outcome.TICKET if handled.created_ticket else Outcome.REPLY


def put_back_in_line(ids: list[int]) -> list[int]:
    """Quarantined or ignored messages made pending again (attempts 0), in the caller's
    transaction; the ids changed. Already filed ones are not filed twice (the funnel's
    deduplication); duplicates stay what they are (their original is the one to process)."""
    ids = list(InboundEmail.objects.filter(pk__in=ids).exclude(
        state__in=(InboundState.PENDING, InboundState.DUPLICATE)).values_list("pk", flat=True))
    InboundEmail.objects.filter(pk__in=ids).update(
        state=InboundState.PENDING, attempts=0, claimed_until=None)
    return ids


def sweep(*, older_than: timedelta = PENDING_GRACE) -> list[int]:
    """Ids of rows still pending after `older_than` whose task was lost (claim expired)."""
    cutoff = timezone.now() - older_than
    return list(
        InboundEmail.objects.filter(_claimable(), received_at__lt=cutoff)
        .order_by("received_at").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
