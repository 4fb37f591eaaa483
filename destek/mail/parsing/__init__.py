"""MIME parsing for the email channel (pure: bytes in, ParsedEmail out)."""

from destek.mail.parsing.limits import Limits
from destek.mail.parsing.parser import parse_email
from destek.mail.parsing.tokens import ticket_token_in_subject
from destek.mail.parsing.types import ParsedAttachment, ParsedEmail, UnparseableEmail

__all__ = [
    "Limits",
    "ParsedAttachment",
    "ParsedEmail",
    "UnparseableEmail",
    "parse_email",
    "ticket_token_in_subject",
]
