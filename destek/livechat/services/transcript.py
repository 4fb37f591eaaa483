"""The chat transcript by email, through the one notification entry point, in the visitor's
language: the lines are read in the transaction (they are what the key's seq names), the
email is rendered by the delivery worker, and never sent to an address that bounces.

Sent at the end (DESTEK_CHAT_TRANSCRIPT_ON_END) and when the visitor asks; only ever to the
conversation's own address, so the button cannot be used to mail strangers. The idempotency
key includes the last seq: asking twice without new messages sends one email.
"""

from __future__ import annotations

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from destek.branding.brand import site_name
from destek.core.errors import ApplicationError
from destek.livechat.models import ChatMessage, Conversation, Side
from destek.notifications.compose import AddressNotice
from destek.notifications.models import OutboundEmail
from destek.notifications.notify import notify_address
from destek.notifications.rendering import email_language


def transcript_lines(*, conversation: Conversation, internal: bool = False,
                     after: int = 0) -> list[str]:
    """One line per message: "[14:02] Ayşe: Hello" (the active language's TIME_FORMAT);
    agents' notes only when asked for."""
    messages = ChatMessage.objects.filter(conversation=conversation,
                                          seq__gt=after).select_related(
        "author", "attachment").order_by("seq")
    if not internal:
        messages = messages.filter(is_internal=False)
    lines = []
    file_label, note_label = _("File"), _("Internal note")  # (xgettext skips f-strings)
    time_format = formats.get_format("TIME_FORMAT")
    for m in messages:
        when = formats.date_format(timezone.localtime(m.created_at), time_format)
        if m.side == Side.VISITOR:
            who = conversation.display_name
        elif m.side == Side.AGENT:
            who = (m.author.full_name if m.author else "") or _("Support team")
        else:
            who = "—"
        text = m.body
        if m.attachment is not None:
            text = f"{text} [{file_label}: {m.attachment.original_name}]".strip()
        if m.is_internal:
            text = f"({note_label}) {text}"
        lines.append(f"[{when}] {who}: {text}")
    return lines


def chat_transcript_send(*, conversation: Conversation, reason: str) -> OutboundEmail | None:
    """Queue the transcript; None when the conversation's address bounces."""
    address = conversation.email
    if not address:
        raise ApplicationError(_("This chat has no email address."), field="email")
    language = email_language(conversation.language)
    with translation.override(language):  # the lines' labels, in the visitor's language
        context = {
            "recipient_name": conversation.display_name,
            "lines": transcript_lines(conversation=conversation),
            "started_at": formats.date_format(timezone.localtime(conversation.created_at),
                                              "SHORT_DATETIME_FORMAT"),
            "site_name": site_name(),
        }
    notice = AddressNotice(key="chat_transcript", to=[address], language=language,
                           context=context, headers={"Auto-Submitted": "auto-generated"},
                           ticket=conversation.ticket)
    key = f"chat-transcript:{conversation.public_id}:{conversation.last_seq}"
    return notify_address(notice=notice, kind="chat_transcript", idempotency_key=key)
