"""Celery tasks of the IMAP door (listed in CELERY_IMPORTS); idempotent, they take ids."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from destek.mail.doors import imap
from destek.mail.models import Mailbox

logger = logging.getLogger(__name__)


@shared_task(name="destek.mail.doors.tasks.poll_imap_mailboxes")
def poll_imap_mailboxes() -> int:
    """Beat's entry: one polling task per active mailbox with an IMAP host."""
    ids = list(Mailbox.objects.filter(is_active=True).exclude(imap_host="")
               .values_list("pk", flat=True))
    # A poll no worker took in time is dropped: the next round polls again.
    expires = max(settings.DESTEK_IMAP_POLL_SECONDS, 30)
    for mailbox_id in ids:
        poll_imap_mailbox.apply_async((mailbox_id,), expires=expires)
    return len(ids)


@shared_task(name="destek.mail.doors.tasks.poll_imap_mailbox")
def poll_imap_mailbox(mailbox_id: int) -> int:
    """Poll one mailbox; its errors are kept on the mailbox (imap_last_error), not raised."""
    result = imap.poll_mailbox(mailbox_id=int(mailbox_id))
    return result.stored
