"""IMAP polling: fetch new messages of a mailbox's folder and store their raw bytes.

Messages are tracked by UID within the folder's UIDVALIDITY, never by the \\Seen flag (a human
reading the mailbox must not hide a message from us). Each message is stored (committed) before
it is moved to the archive folder or flagged, and `imap_last_uid` advances only past messages
stored and moved: a worker killed in between fetches the message again, and `store_raw`
recognises it by its Message-ID. A cache lock (shared when the cache is Redis) keeps two
workers off the same mailbox.
"""

from __future__ import annotations

import logging
import ssl
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted

from destek.mail import oauth
from destek.mail.models import InboundSource, Mailbox
from destek.mail.store import store_raw

logger = logging.getLogger(__name__)

# Longer than any poll (a bounded batch, each network call bounded by DESTEK_IMAP_TIMEOUT);
# a killed worker's lock expires after it.
LOCK_SECONDS = 15 * 60


@dataclass
class PollResult:
    stored: int = 0
    duplicates: int = 0
    locked: bool = False  # another worker is polling this mailbox
    error: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ConnectionReport:
    ok: bool
    folders: tuple[str, ...] = ()
    messages: int | None = None
    error: str = ""


def connect(*, mailbox: Mailbox) -> BaseMailBox:
    """A logged-in imap-tools client for the mailbox's server (no folder selected)."""
    client = open_connection(mailbox=mailbox)
    try:
        return log_in(client=client, mailbox=mailbox)
    except Exception:
        client.client.shutdown()
        raise


def open_connection(*, mailbox: Mailbox) -> BaseMailBox:
    """Connected (and TLS set up) to the mailbox's server, not yet logged in."""
    timeout = settings.DESTEK_IMAP_TIMEOUT
    client: BaseMailBox
    if mailbox.imap_security == "ssl":
        client = MailBox(mailbox.imap_host, mailbox.imap_port, timeout=timeout,
                         ssl_context=ssl.create_default_context())
    elif mailbox.imap_security == "starttls":
        client = MailBoxStartTls(mailbox.imap_host, mailbox.imap_port, timeout=timeout,
                                 ssl_context=ssl.create_default_context())
    else:
        client = MailBoxUnencrypted(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    return client


def log_in(*, client: BaseMailBox, mailbox: Mailbox) -> BaseMailBox:
    """LOGIN with the password, or AUTHENTICATE XOAUTH2 with a fresh access token."""
    if mailbox.imap_auth == "oauth2":
        return client.xoauth2(mailbox.imap_username, oauth.access_token(mailbox),
                              initial_folder=None)
    return client.login(mailbox.imap_username, mailbox.imap_password, initial_folder=None)


def describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def check_connection(*, mailbox: Mailbox) -> ConnectionReport:
    """Log in and list the folders and the message count of the polled folder."""
    try:
        with connect(mailbox=mailbox) as client:
            folders = tuple(folder.name for folder in client.folder.list())
            status = client.folder.status(mailbox.imap_folder, ["MESSAGES"])
    except Exception as error:
        return ConnectionReport(ok=False, error=describe_error(error))
    return ConnectionReport(ok=True, folders=folders, messages=status.get("MESSAGES"))


def poll_mailbox(*, mailbox_id: int) -> PollResult:
    """Poll one mailbox unless another worker is at it; errors are recorded, never raised."""
    lock_key = f"destek:mail:imap-poll:{mailbox_id}"
    token = uuid.uuid4().hex
    if not cache.add(lock_key, token, timeout=LOCK_SECONDS):
        return PollResult(locked=True)
    try:
        result = PollResult()
        try:
            mailbox = Mailbox.objects.get(pk=mailbox_id, is_active=True)
            if mailbox.imap_host:
                _poll(mailbox=mailbox, result=result)
        except Mailbox.DoesNotExist:
            return result
        except Exception as error:
            result.error = describe_error(error)
            logger.warning("IMAP poll of mailbox %s failed: %s", mailbox_id, result.error,
                           exc_info=True)
        _record(mailbox_id=mailbox_id, error="\n".join([result.error, *result.notes]).strip())
        return result
    finally:
        if cache.get(lock_key) == token:
            cache.delete(lock_key)


def _record(*, mailbox_id: int, error: str) -> None:
    Mailbox.objects.filter(pk=mailbox_id).update(
        imap_last_polled_at=timezone.now(), imap_last_error=error)


def _poll(*, mailbox: Mailbox, result: PollResult) -> None:
    with connect(mailbox=mailbox) as client:
        status = client.folder.status(mailbox.imap_folder, ["UIDVALIDITY"])
        uidvalidity = status["UIDVALIDITY"]
        last_uid = mailbox.imap_last_uid
        if mailbox.imap_uidvalidity != uidvalidity:
            # The server renumbered the folder (or this is the first poll): start from the
            # beginning; messages stored before are recognised by store_raw.
            last_uid = 0
            Mailbox.objects.filter(pk=mailbox.pk).update(
                imap_uidvalidity=uidvalidity, imap_last_uid=0)
        client.folder.set(mailbox.imap_folder)
        # "UID n:*" always matches the highest UID, even below n: filter here too.
        uids = sorted(int(uid) for uid in client.uids(f"UID {last_uid + 1}:*")
                      if int(uid) > last_uid)
        batch = uids[: settings.DESTEK_IMAP_BATCH]
        if batch:
            _take(client=client, mailbox=mailbox, uids=batch, result=result)


def _take(*, client: BaseMailBox, mailbox: Mailbox, uids: list[int], result: PollResult) -> None:
    passed: list[int] = []  # stored, gone or too big: never fetched again
    stored: list[int] = []  # to move (or flag) now
    try:
        for uid in uids:
            raw = _fetch_raw(client=client, uid=uid)
            if raw is None:  # expunged by someone meanwhile
                passed.append(uid)
                continue
            if len(raw) > settings.DESTEK_MAIL_MAX_BYTES:
                # Left in the folder for a human; the note shows up on the mailbox.
                result.notes.append(
                    _("UID %(uid)s: %(size)s bytes, larger than DESTEK_MAIL_MAX_BYTES; left in "
                      "%(folder)s") % {"uid": uid, "size": len(raw),
                                       "folder": mailbox.imap_folder})
                passed.append(uid)
                continue
            outcome = store_raw(raw=raw, source=InboundSource.IMAP, mailbox=mailbox)
            if outcome.duplicate:
                result.duplicates += 1
            else:
                result.stored += 1
            stored.append(uid)
            passed.append(uid)
    finally:
        # Also on a store error, for the messages stored before it. When the move (or flag)
        # fails, nothing advances: the next poll fetches them again, store_raw recognises
        # them, and the error stays on the mailbox until the move works.
        if stored:
            _acknowledge(client=client, mailbox=mailbox, uids=stored)
        if passed:
            Mailbox.objects.filter(pk=mailbox.pk).update(imap_last_uid=max(passed))


def _fetch_raw(*, client: BaseMailBox, uid: int) -> bytes | None:
    # BODY.PEEK leaves \Seen alone; imap-tools' MailMessage keeps no raw bytes, so fetch here.
    status, data = client.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if status != "OK":
        raise RuntimeError(f"FETCH of UID {uid} failed: {data!r}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    return None


def _acknowledge(*, client: BaseMailBox, mailbox: Mailbox, uids: list[int]) -> None:
    uid_set = [str(uid) for uid in uids]
    archive = mailbox.imap_archive_folder
    if archive:
        if not client.folder.exists(archive):
            client.folder.create(archive)
        client.move(uid_set, archive)
        return
    # STORE without imap-tools' flag(), which also expunges what others marked deleted.
    status, data = client.client.uid("STORE", ",".join(uid_set), "+FLAGS", "(\\Seen)")
    if status != "OK":
        raise RuntimeError(f"flagging UIDs {','.join(uid_set)} failed: {data!r}")
