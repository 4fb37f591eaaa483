"""The one way into the email channel: keep the raw bytes, then process them in a task.

Every door (SMTP receiver, IMAP poller, MTA pipe, provider webhook) calls `store_raw` and
acknowledges its source only after it returned: the row is committed by then.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from functools import cache
from typing import cast

from django.db import IntegrityError, connection, transaction
from django.db.models import Field

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
    (one task per burst when the cache is shared: destek.mail.wakeup)."""
    key, message_id = dedupe_key_for(raw)
    email = InboundEmail(dedupe_key=key, header_message_id=message_id, source=source,
                         mailbox=mailbox, envelope_to=list(envelope_to), raw=raw, size=len(raw))
    try:
        with transaction.atomic():
            _insert(email)
            transaction.on_commit(lambda: _stored(email.pk))
    except IntegrityError:
        return Stored(email=InboundEmail.objects.get(dedupe_key=key), duplicate=True)
    return Stored(email=email, duplicate=False)


def _insert(email: InboundEmail) -> None:
    """The ORM's INSERT, as one plain statement: every door runs it for every email, and
    compiling the ORM's version cost the receiving process more CPU than the statement."""
    fields = _insert_fields()
    values = [f.get_db_prep_save(f.pre_save(email, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), values)
        if connection.features.can_return_columns_from_insert:
            row = cursor.fetchone()
            email.pk = row[0]
        else:
            email.pk = cursor.lastrowid
    email._state.adding = False
    email._state.db = connection.alias


@cache
def _insert_fields() -> list[Field]:
    return [cast(Field, f) for f in InboundEmail._meta.concrete_fields if not f.primary_key]


@cache
def _insert_sql(_vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in _insert_fields())
    placeholders = ", ".join(["%s"] * len(_insert_fields()))
    sql = (f"INSERT INTO {quote(InboundEmail._meta.db_table)} ({columns})"  # noqa: S608
           f" VALUES ({placeholders})")
    if connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(str(InboundEmail._meta.pk.column))}"
    return sql


def _stored(inbound_id: int) -> None:
    # A broker failure is logged, not raised: the row is committed and the sweeper
    # (destek.mail.tasks.sweep_inbound) enqueues it later, so the door may acknowledge.
    from destek.mail import wakeup

    wakeup.stored(inbound_id)
