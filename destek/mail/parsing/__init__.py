"""MIME parsing for the email channel (pure: bytes in, ParsedEmail out)."""

from destek.mail.parsing.types import ParsedAttachment, ParsedEmail, UnparseableEmail

__all__ = ["ParsedAttachment", "ParsedEmail", "UnparseableEmail"]
