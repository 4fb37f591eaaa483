"""The one way into the email channel: keep the raw bytes, then process them in a task.

Every door (SMTP receiver, IMAP poller, MTA pipe, provider webhook) calls `store_raw` and
acknowledges its source only after it returned: the row is committed by then.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.db import IntegrityError, transaction

from destek.mail import tasks
from destek.mail.models import InboundEmail, InboundSource, Mailbox


@dataclass(frozen=True)
class Stored:
    email: InboundEmail
    duplicate: bool


def dedupe_key_for(raw: bytes) -> tuple[str, str]:
    """(dedupe key, Message-ID) for raw bytes; a hash of the bytes when there is no Message-ID."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:262_144])
        message_id = str(headers.get("Message-ID", "") or "").strip().strip("<>").strip()
    except Exception:  # a broken header block is the parser's job to report
        message_id = ""
    message_id = message_id[:900]
    if message_id:
        return f"mid:{message_id}"[:255], message_id
    return f"sha256:{hashlib.sha256(raw).hexdigest()}", ""


def store_raw(
    *,
    raw: bytes,
    source: InboundSource | str,
    mailbox: Mailbox | None = None,
    envelope_to: tuple[str, ...] | list[str] = (),
) -> Stored:
    """Commit the raw message (once per dedupe key) and wake a worker for it on commit
    (one task per burst when the cache is shared: destek.mail.tasks)."""
    key, message_id = dedupe_key_for(raw)
    email = InboundEmail(dedupe_key=key, header_message_id=message_id, source=source,
                         mailbox=mailbox, envelope_to=list(envelope_to), raw=raw, size=len(raw))
    try:
        with transaction.atomic():
            email.save(force_insert=True)
            transaction.on_commit(lambda: _stored(email.pk))
    except IntegrityError:
        return Stored(email=InboundEmail.objects.get(dedupe_key=key), duplicate=True)
    return Stored(email=email, duplicate=False)


def _stored(inbound_id: int) -> None:
    # A broker failure is logged, not raised: the row is committed and the sweeper
    # (destek.mail.tasks.sweep_inbound) enqueues it later, so the door may acknowledge.
    tasks.stored(inbound_id)
