"""The MTA pipe (`destek mail-pipe`): the MTA hands one message on stdin and reads our exit
status, following sendmail's sysexits conventions (docs/deployment.md):

  0   stored (or already stored: a retry of a message we have)
  65  EX_DATAERR     the message is empty: bounced, retrying cannot help
  69  EX_UNAVAILABLE the message is larger than DESTEK_MAIL_MAX_BYTES: bounced, not retried
  75  EX_TEMPFAIL    it could not be stored (database down, any error): the MTA keeps it and
                     retries later
  78  EX_CONFIG      --mailbox names no active mailbox (Postfix defers on it, so nothing is lost
                     while the configuration is fixed)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings

from destek.mail.doors.recipients import mailbox_for_address
from destek.mail.models import InboundSource
from destek.mail.store import store_raw

logger = logging.getLogger(__name__)

EX_OK = 0
EX_DATAERR = 65
EX_UNAVAILABLE = 69
EX_TEMPFAIL = 75
EX_CONFIG = 78


@dataclass(frozen=True)
class PipeResult:
    exit_code: int
    reason: str


def receive_from_pipe(*, stream: BinaryIO, mailbox_address: str = "") -> PipeResult:
    """Read one message (bounded) from `stream` and store it; never raises."""
    limit = settings.DESTEK_MAIL_MAX_BYTES
    try:
        raw = stream.read(limit + 1)
    except OSError as error:
        return PipeResult(EX_TEMPFAIL, f"cannot read the message: {error}")
    if len(raw) > limit:
        return PipeResult(EX_UNAVAILABLE, f"message larger than {limit} bytes")
    if not raw.strip():
        return PipeResult(EX_DATAERR, "empty message")
    try:
        mailbox = None
        if mailbox_address:
            mailbox = mailbox_for_address(address=mailbox_address)
            if mailbox is None:
                return PipeResult(EX_CONFIG, f"no active mailbox {mailbox_address}")
        stored = store_raw(raw=raw, source=InboundSource.PIPE, mailbox=mailbox,
                           envelope_to=[mailbox_address] if mailbox_address else [])
    except Exception as error:
        # The MTA shows our stderr in its log or bounce: one line there, details on demand.
        logger.debug("mail-pipe: cannot store the message", exc_info=True)
        first_line = (str(error).strip().splitlines() or [""])[0]
        return PipeResult(EX_TEMPFAIL, f"cannot store the message ({type(error).__name__}: "
                                       f"{first_line[:200]}), try again later")
    return PipeResult(EX_OK, f"stored as {stored.email.pk}"
                             + (" (duplicate)" if stored.duplicate else ""))
