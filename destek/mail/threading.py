"""Which ticket an inbound email belongs to, and whether it is our own mail coming back.

An email joins an existing ticket only by what proves it answers mail Destek sent: its
In-Reply-To/References naming a Message-ID we sent (outbox rows; the ticket's signed thread
id), or the signed reply token (read by the caller). What anyone can write proves nothing:
the ticket token in the subject, a guessable thread id, or the Message-ID of an email we
received (it was on the customer's own mail, not ours). Such an email opens a new ticket.
The caller decides whether the sender may post on the ticket found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from destek.mail.parsing import ticket_token_in_subject
from destek.mail.parsing.types import ParsedEmail
from destek.notifications.envelope import ORIGIN_HEADER, instance_id, parse_thread_id
from destek.notifications.models import OutboundEmail

MAX_REFERENCES = 30
_SUBJECT_TOKEN = re.compile(r"\[\s*#?\s*(T-?\d{1,12})\s*\]", re.IGNORECASE)


def referenced_ids(parsed: ParsedEmail) -> list[str]:
    """In-Reply-To first, then References newest first; bounded, without duplicates."""
    ordered = [*parsed.in_reply_to, *reversed(parsed.references)]
    return list(dict.fromkeys(i.strip() for i in ordered if i.strip()))[:MAX_REFERENCES]


def outbound_tickets(message_ids: Iterable[str]) -> dict[str, int | None]:
    """Message-ID (without <>) → ticket id, for the ones Destek sent (one indexed query)."""
    wanted = [f"<{i}>" for i in message_ids if i]
    if not wanted:
        return {}
    rows = OutboundEmail.objects.filter(message_id__in=wanted).values_list("message_id",
                                                                              "ticket_id")
    return {mid.strip("<>"): ticket_id for mid, ticket_id in rows}


def is_own_email(parsed: ParsedEmail, sent: dict[str, int | None]) -> bool:
    """Our own notification mailed back to us (a forward rule, a mailing list, a loop)."""
    if parsed.headers.get(ORIGIN_HEADER.lower(), "").strip() == instance_id():
        return True
    if not parsed.message_id:
        return False
    return parse_thread_id(parsed.message_id) is not None or parsed.message_id in sent


def ticket_from_headers(ids: list[str], sent: dict[str, int | None]) -> list[int]:
    """Candidate ticket ids from In-Reply-To/References naming mail we sent, most specific
    first. A thread id counts only when signed: an old unsigned one (`ticket-42@…`, also in
    the outbox rows of tickets from before) can be made up from the ticket's number."""
    found: list[int] = []
    for message_id in ids:
        thread = parse_thread_id(message_id)
        if thread is not None:
            ticket_id = thread[0] if thread[1] else None
        else:
            ticket_id = sent.get(message_id)
        if ticket_id and ticket_id not in found:
            found.append(ticket_id)
    return found


def reference_in_subject(subject: str) -> str:
    """`Re: Site down [#T-100042]` → "T-100042" ("" when none): never used to thread, only
    quoted in a new ticket's subject so agents can find the ticket it claims to answer."""
    return ticket_token_in_subject(subject) or ""


_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs|ynt|yan[ıi]t|ilt|i̇lt)\s*(\[\d+\])?\s*:\s*)+",
                           re.IGNORECASE)


def clean_subject(subject: str) -> str:
    """The subject for a new ticket: ticket tokens and Re:/Fwd:/Ynt: prefixes removed."""
    without_token = _SUBJECT_TOKEN.sub(" ", subject)
    return " ".join(_REPLY_PREFIX.sub("", without_token).split())
