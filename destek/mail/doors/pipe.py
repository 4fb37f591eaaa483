"""The MTA pipe (`destek mail-pipe`): the MTA hands one message on stdin and reads our exit
status, following sendmail's sysexits conventions (docs/deployment.md):

  0   stored (or already stored: a retry of a message we have)
  65  EX_DATAERR     the message is empty: bounced, retrying cannot help
  69  EX_UNAVAILABLE the message is larger than DESTEK_MAIL_MAX_BYTES: bounced, not retried
  75  EX_TEMPFAIL    it could not be stored (database down, any error): the MTA keeps it and
                     retries later
  78  EX_CONFIG      --mailbox names no active mailbox (Postfix defers on it, so nothing is lost
                     while the configuration is fixed)

`pipe_hand_off` is the same door over HTTP, for the command's fast path
(destek.mail.doors.pipe_client): the service stores the message with `receive_from_pipe` and
answers with the exit code, signed.
"""

from __future__ import annotations

import hmac
import io
import logging
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from destek.mail.doors import pipe_client
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


# The HTTP status of each answer, for people and proxies; the client reads only the signed
# exit code (pipe_client.EXIT_HEADER).
ANSWER_STATUS = {EX_OK: 200, EX_DATAERR: 400, EX_UNAVAILABLE: 413, EX_TEMPFAIL: 503,
                 EX_CONFIG: 404}


@csrf_exempt
@require_POST
def pipe_hand_off(request: HttpRequest) -> HttpResponse:
    """POST /mail/inbound/pipe/?mailbox=ADDRESS with the raw message, signed with
    DESTEK_MAIL_PIPE_SECRET (404 when that is not set: the door is off). Answers after the
    row is committed, like the command; a refused signature gets an unsigned 403, on which
    the client stores directly (and this is logged here, where the operator looks)."""
    secret = settings.DESTEK_MAIL_PIPE_SECRET
    if not secret:
        raise Http404
    limit = settings.DESTEK_MAIL_MAX_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH", -1))
    except ValueError:
        length = -1
    if not 0 <= length <= limit:
        # Unsigned: the client's direct path applies the limit and answers 69 itself.
        return HttpResponse("Message too large or without a length.\n", status=413,
                            content_type="text/plain")
    raw = request.read(length)
    mailbox = request.GET.get("mailbox", "")
    signature = request.headers.get(pipe_client.SIGNATURE_HEADER, "")
    expected = pipe_client.request_signature(secret=secret, mailbox=mailbox, raw=raw)
    if not hmac.compare_digest(signature.encode(), expected.encode()):  # any characters
        logger.warning("mail-pipe hand-off: refused a request whose signature does not match "
                       "DESTEK_MAIL_PIPE_SECRET (from %s)", request.META.get("REMOTE_ADDR"))
        return HttpResponse("Bad signature.\n", status=403, content_type="text/plain")
    result = receive_from_pipe(stream=io.BytesIO(raw), mailbox_address=mailbox)
    response = HttpResponse(f"{result.reason}\n", status=ANSWER_STATUS[result.exit_code],
                            content_type="text/plain")
    response[pipe_client.EXIT_HEADER] = str(result.exit_code)
    response[pipe_client.SIGNATURE_HEADER] = pipe_client.answer_signature(
        secret=secret, request_signature=expected, exit_code=result.exit_code)
    return response
