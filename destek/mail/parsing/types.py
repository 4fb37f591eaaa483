"""What the parser hands to the rest of the email channel: plain values, no Django.

`destek.mail.parsing.parse_email(raw: bytes) -> ParsedEmail` never raises on malformed mail;
whatever it could not understand is listed in `defects`. It raises `UnparseableEmail` only when
there is nothing usable at all (the caller quarantines the raw message with that error).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


class UnparseableEmail(Exception):
    """Raised when a message cannot be turned into a ParsedEmail; the text is shown to admins."""


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str  # never empty: a name is made up from the content type when missing
    content_type: str
    content: bytes
    content_id: str = ""  # without <>; set for inline (cid:) images
    inline: bool = False


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str  # without <>; "" when the message has none
    subject: str  # decoded (RFC 2047), whitespace collapsed
    from_address: str  # lower-cased addr-spec; "" when missing or unparseable
    from_name: str = ""
    # The header the sender was read from: "from", or "sender", "reply-to" or "return-path"
    # (in that order) when From: holds no usable address; "" when none of them has one.
    sender_field: str = ""
    reply_to: tuple[str, ...] = ()
    to: tuple[str, ...] = ()  # lower-cased addr-specs
    cc: tuple[str, ...] = ()
    in_reply_to: tuple[str, ...] = ()  # Message-IDs without <>
    references: tuple[str, ...] = ()
    date: datetime | None = None  # aware
    text: str = ""  # the new text the sender wrote (plain), quoted history and signature removed
    quoted_text: str = ""  # the quoted history that was removed from `text` (shown collapsed)
    signature: str = ""  # the signature that was removed from `text`
    full_text: str = ""  # the whole plain body as sent: new text, quotes and signature
    html: str = ""  # the HTML body as sent (untrusted; the funnel sanitizes it)
    attachments: tuple[ParsedAttachment, ...] = ()
    # RFC 3834 Auto-Submitted, Precedence, X-Autoreply, out-of-office patterns…
    is_auto_reply: bool = False
    auto_reply_reason: str = ""
    # Delivery status notifications (RFC 3464) and their recipients that failed
    is_bounce: bool = False
    bounced_recipients: tuple[str, ...] = ()
    # lower-cased names, decoded, the first value of each
    headers: Mapping[str, str] = field(default_factory=dict)
    defects: tuple[str, ...] = ()
    size: int = 0  # bytes of the raw message
    # Every Authentication-Results, ARC-Authentication-Results and ARC-Seal value, top first,
    # raw (whose verdicts count is decided by destek.mail.authentication)
    authentication_results: tuple[str, ...] = ()
    arc_authentication_results: tuple[str, ...] = ()
    arc_seals: tuple[str, ...] = ()
