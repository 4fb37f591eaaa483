"""Which ticket an inbound email belongs to, and whether it is our own mail coming back.

Threading looks, in order, at In-Reply-To/References (against the Message-IDs Destek sent:
outbox rows and per-ticket thread roots, and those it received: InboundEmail's unique
`mid:<Message-ID>` dedupe key maps each received message to its ticket), then at the signed
reply token, then at the ticket token in the subject. The caller decides whether the sender
may post on the ticket found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from destek.mail.models import InboundEmail
from destek.mail.parsing import ticket_token_in_subject
from destek.mail.parsing.types import ParsedEmail
from destek.notifications.envelope import ORIGIN_HEADER, instance_id, message_id_domain
from destek.notifications.models import OutboundEmail
from destek.tickets.models import parse_reference

MAX_REFERENCES = 30
_ROOT = re.compile(r"^ticket-(\d{1,12})@(.+)$", re.IGNORECASE)
_SUBJECT_TOKEN = re.compile(r"\[\s*#?\s*(T-?\d{1,12})\s*\]", re.IGNORECASE)


def referenced_ids(parsed: ParsedEmail) -> list[str]:
    """In-Reply-To first, then References newest first; bounded, without duplicates."""
    ordered = [*parsed.in_reply_to, *reversed(parsed.references)]
    return list(dict.fromkeys(i.strip() for i in ordered if i.strip()))[:MAX_REFERENCES]


def root_ticket_id(message_id: str) -> int | None:
    """`ticket-42@<our domain>` → 42: the thread id every notification about a ticket uses."""
    match = _ROOT.match(message_id.strip().strip("<>"))
    if match is None or match.group(2).lower() != message_id_domain():
        return None
    return int(match.group(1))


def outbound_tickets(message_ids: Iterable[str]) -> dict[str, int | None]:
    """Message-ID (without <>) → ticket id, for the ones Destek sent (one indexed query)."""
    wanted = [f"<{i}>" for i in message_ids if i]
    if not wanted:
        return {}
    rows = OutboundEmail.objects.filter(message_id__in=wanted).values_list("message_id",
                                                                              "ticket_id")
    return {mid.strip("<>"): ticket_id for mid, ticket_id in rows}


def inbound_tickets(message_ids: Iterable[str]) -> dict[str, int]:
    """Message-ID → ticket id, for the ones Destek received and filed on a ticket."""
    keys = {f"mid:{i}"[:255]: i for i in message_ids if i}
    if not keys:
        return {}
    rows = InboundEmail.objects.filter(dedupe_key__in=list(keys),
                                       ticket__isnull=False).values_list("dedupe_key",
                                                                         "ticket_id")
    return {keys[key]: ticket_id for key, ticket_id in rows if ticket_id is not None}


def is_own_email(parsed: ParsedEmail, sent: dict[str, int | None]) -> bool:
    """Our own notification mailed back to us (a forward rule, a mailing list, a loop)."""
    if parsed.headers.get(ORIGIN_HEADER.lower(), "").strip() == instance_id():
        return True
    if not parsed.message_id:
        return False
    return root_ticket_id(parsed.message_id) is not None or parsed.message_id in sent


def ticket_from_headers(
    ids: list[str], sent: dict[str, int | None],
    inbound: Callable[[Iterable[str]], dict[str, int]] = inbound_tickets,
) -> list[int]:
    """Candidate ticket ids from In-Reply-To/References, most specific first."""
    received = inbound(i for i in ids if i not in sent)
    found: list[int] = []
    for message_id in ids:
        ticket_id = root_ticket_id(message_id) or sent.get(message_id) or received.get(
            message_id)
        if ticket_id and ticket_id not in found:
            found.append(ticket_id)
    return found


def ticket_from_subject(subject: str) -> int | None:
    """`Re: Site down [#T-100042]` → 42."""
    reference = ticket_token_in_subject(subject)
    return parse_reference(reference) if reference else None


_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs|ynt|yan[ıi]t|ilt|i̇lt)\s*(\[\d+\])?\s*:\s*)+",
                           re.IGNORECASE)


def clean_subject(subject: str) -> str:
    """The subject for a new ticket: ticket tokens and Re:/Fwd:/Ynt: prefixes removed."""
    without_token = _SUBJECT_TOKEN.sub(" ", subject)
    return " ".join(_REPLY_PREFIX.sub("", without_token).split())
