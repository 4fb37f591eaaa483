"""The Django email backend every email goes through (settings.EMAIL_BACKEND).

It never talks to a mail server: each message becomes an outbox row in the caller's
transaction, and a Celery worker delivers it after the commit (destek.notifications.delivery).
So allauth's verification and password-reset emails get the same retries, visibility in the
admin and crash safety as the ticket notifications.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from destek.notifications.outbox import outbox_email_create

logger = logging.getLogger(__name__)


class OutboxEmailBackend(BaseEmailBackend):
    """Writes one OutboundEmail row per message; returns how many were written."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        messages = [m for m in email_messages if m.recipients()]
        if not messages:
            return 0
        try:
            # A savepoint: either all messages of this call are queued or none is.
            with transaction.atomic():
                for message in messages:
                    outbox_email_create(message=message, kind="django")
        except Exception:
            if not self.fail_silently:
                raise
            logger.exception("Could not write %d email(s) to the outbox", len(messages))
            return 0
        return len(messages)
