"""A ticket notification as the outbox stores it before it is rendered: ids, not text.

The subscribers decide *who* is told *what* inside the change's transaction (cheap: a few
attribute reads). Composing the email (the recipient's language, the template, the
department's mailbox, the reply token, MIME serialization) is the expensive part; it is done
by the delivery worker from this payload, once, before the first attempt (see
`destek.notifications.outbox.render_pending` and ADR 0003).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from destek.accounts.models import User
from destek.notifications import values
from destek.notifications.compose import AddressNotice, Notice
from destek.tickets.models import Attachment, Message, Ticket

PAYLOAD_VERSION = 1
ADDRESS_FORM = "address"  # the payload of an AddressNotice (no "form": a ticket Notice)


class NoticeGone(Exception):
    """The ticket or the recipient of a stored notice no longer exists: nothing to send."""


def notice_payload(notice: Notice) -> dict[str, Any]:
    """What `notice_from_payload` needs to rebuild `notice` in a worker (JSON)."""
    return {
        "v": PAYLOAD_VERSION,
        "key": notice.key,
        "recipient": notice.recipient.pk,
        "ticket": notice.ticket.pk,
        "message": notice.message.pk if notice.message is not None else None,
        "url": notice.url,
        "cc": list(notice.cc),
        "reply_to": list(notice.reply_to),
        "extra": values.encode(notice.extra_context),
        "thread_root": notice.is_thread_root,
    }


def address_notice_payload(notice: AddressNotice) -> dict[str, Any]:
    return {"v": PAYLOAD_VERSION, "form": ADDRESS_FORM, "key": notice.key, "to": notice.to,
            "language": notice.language, "context": notice.context,
            "headers": notice.headers}


def is_address_payload(data: dict[str, Any]) -> bool:
    return data.get("form") == ADDRESS_FORM


def address_notice_from_payload(data: dict[str, Any]) -> AddressNotice:
    """The AddressNotice as written (its ticket only names the row's, it is not read)."""
    return AddressNotice(key=data["key"], to=list(data["to"]), language=data["language"],
                         context=dict(data["context"]), headers=dict(data.get("headers", {})))


def notices_from_payloads(payloads: list[dict[str, Any]]) -> list[Notice | NoticeGone]:
    """`notice_from_payload` for many stored notices at once (4 queries in all): the delivery
    worker renders the notifications one transaction wrote together."""
    tickets = (Ticket.objects.select_related("customer", "department", "assignee")
               .in_bulk({data["ticket"] for data in payloads}))
    recipients = User.objects.in_bulk({data["recipient"] for data in payloads})
    message_ids = {data["message"] for data in payloads if data.get("message") is not None}
    attachments = Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    messages = (Message.objects.select_related("author").prefetch_related(attachments)
                .in_bulk(message_ids)) if message_ids else {}
    out: list[Notice | NoticeGone] = []
    for data in payloads:
        ticket, recipient = tickets.get(data["ticket"]), recipients.get(data["recipient"])
        if ticket is None or recipient is None:
            out.append(NoticeGone(
                "The ticket or the recipient of this notification was deleted."))
            continue
        message_id = data.get("message")
        out.append(_notice(data, ticket, recipient,
                           messages.get(message_id) if message_id is not None else None))
    return out


def _notice(data: dict[str, Any], ticket: Ticket, recipient: User,
            message: Message | None) -> Notice:
    return Notice(
        key=data["key"], recipient=recipient, ticket=ticket, url=data["url"], message=message,
        cc=list(data.get("cc", [])), reply_to=list(data.get("reply_to", [])),
        extra_context=values.decode(data.get("extra", {})),
        is_thread_root=bool(data.get("thread_root", False)),
    )


def notice_from_payload(data: dict[str, Any]) -> Notice:
    """The Notice a subscriber built, with the rows as they are now (4 queries)."""
    (notice,) = notices_from_payloads([data])
    if isinstance(notice, NoticeGone):
        raise notice
    return notice
