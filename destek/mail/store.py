"""The one way into the email channel: keep the raw bytes, then process them in a task.

Every door (SMTP receiver, IMAP poller, MTA pipe, provider webhook) calls `store_raw` and
acknowledges its source only after it returned: the row is committed by then.

A message is recognised by its content's fingerprint (destek.mail.identity), not by its
Message-ID alone, which mailers reuse. The first copy is stored to be filed (one INSERT);
another copy of the same message (an MTA retry, a second door, an IMAP re-fetch after a
crash) is kept as a DUPLICATE row pointing at the first, so every message a door accepted
leaves a row. Two doors storing the same message at once meet at the unique constraint on
the key: the loser records its copy as the duplicate. A different message under a known
Message-ID is stored like any other; the worker notices the reused Message-ID
(destek.mail.processing) and files it on its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from destek.mail import identity, tasks
from destek.mail.models import InboundEmail, InboundSource, InboundState, Mailbox


@dataclass(frozen=True)
class Stored:
    email: InboundEmail  # the row that is (or was) filed: for a duplicate, the original
    duplicate: bool
    copy: InboundEmail | None = None  # the DUPLICATE row recording this copy


def dedupe_key_for(raw: bytes) -> tuple[str, str]:
    """(dedupe key, Message-ID) for raw bytes: "fp:" and the content's fingerprint."""
    return f"fp:{identity.fingerprint(raw)}", identity.message_id_of(raw)


def legacy_keys(raw: bytes, message_id: str) -> list[str]:
    """The keys rows stored before fingerprints had: "mid:<Message-ID>" when there was one,
    else a hash of the raw bytes."""
    if message_id:
        return [f"mid:{message_id}"[:255]]
    return [f"sha256:{hashlib.sha256(raw).hexdigest()}"]


def store_raw(
    *,
    raw: bytes,
    source: InboundSource | str,
    mailbox: Mailbox | None = None,
    envelope_to: tuple[str, ...] | list[str] = (),
) -> Stored:
    """Commit the raw message (filed once per dedupe key) and wake a worker for it on commit
    (one task per burst when the cache is shared: destek.mail.tasks)."""
    key, message_id = dedupe_key_for(raw)
    email = InboundEmail(dedupe_key=key, header_message_id=message_id,
                         message_id_hash=identity.message_id_hash(message_id), source=source,
                         mailbox=mailbox, envelope_to=list(envelope_to), raw=raw, size=len(raw))
    try:
        with transaction.atomic():
            email.save(force_insert=True)
            transaction.on_commit(lambda: _stored(email.pk))
    except IntegrityError:
        original = _original(key)
        if original is None:  # the first copy went meanwhile (erasure, retention): retry
            raise
        return Stored(email=original, duplicate=True,
                      copy=record_duplicate(copy=email, original=original))
    return Stored(email=email, duplicate=False)


def _original(key: str) -> InboundEmail | None:
    return (InboundEmail.objects.exclude(state=InboundState.DUPLICATE)
            .defer("raw").filter(dedupe_key=key).order_by("pk").first())


def record_duplicate(*, copy: InboundEmail, original: InboundEmail) -> InboundEmail:
    """Keep `copy` (unsaved, or a pending row) as a DUPLICATE of `original`: where and when it
    came, not its bytes again (they are the original's, bar the trace headers; and what
    erasure or retention removed from the original must not come back with a copy)."""
    copy.state = InboundState.DUPLICATE
    copy.duplicate_of = original
    copy.raw = b""
    copy.note = (_("The same message as inbound email #%(id)d (received again).")
                 % {"id": original.pk})[:255]
    if copy.pk is None:
        copy.save(force_insert=True)
    else:
        copy.save(update_fields=["state", "duplicate_of", "raw", "note"])
    return copy


def _stored(inbound_id: int) -> None:
    # A broker failure is logged, not raised: the row is committed and the sweeper
    # (destek.mail.tasks.sweep_inbound) enqueues it later, so the door may acknowledge.
    tasks.stored(inbound_id)
