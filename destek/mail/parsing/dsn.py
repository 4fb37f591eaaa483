"""Delivery status notifications: RFC 3464 reports and the common non-RFC bounces."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from destek.mail.parsing.headers import raw_to_text
from destek.mail.parsing.mime import content_type

_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)(?:@|$)")
_BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:ed|able)|returned mail|delivery status notification \((?:failure|delay)\)"
    r"|mail delivery (?:failed|failure|subsystem)|delivery failure|failure notice"
    r"|non[- ]?delivery|could not be delivered|iletilemedi|teslim edilemedi",
    re.IGNORECASE,
)
# Non-RFC bounce bodies: Postfix/qmail "<user@example.com>: …", Exim's indented addresses.
_ANGLE_RECIPIENT = re.compile(r"^<([^<>\s@]+@[^<>\s]+)>:?", re.MULTILINE)
_INDENTED_RECIPIENT = re.compile(r"^[ \t]{2,}([^\s<>@:]+@[^\s<>:]+)\s*$", re.MULTILINE)
_BODY_SCAN = 64 * 1024  # the report part of a bounce is at its top


@dataclass(frozen=True)
class Bounce:
    is_bounce: bool
    recipients: tuple[str, ...] = ()


def detect_bounce(*, message: Message, from_address: str, subject: str, text: str) -> Bounce:
    report = _delivery_status(message)
    if report is not None:
        return Bounce(True, tuple(_failed_recipients(report)))
    if _BOUNCE_SENDER.match(from_address) and _BOUNCE_SUBJECT.search(subject):
        head = text[:_BODY_SCAN]
        found = _ANGLE_RECIPIENT.findall(head) or _INDENTED_RECIPIENT.findall(head)
        return Bounce(True, tuple(dict.fromkeys(address.lower() for address in found)))
    return Bounce(False)


def _delivery_status(message: Message) -> Message | None:
    """The message/delivery-status part of a multipart/report, when there is one."""
    if content_type(message) != "multipart/report":
        return None
    try:
        report_type = str(message.get_param("report-type") or "").lower()
    except Exception:
        report_type = ""
    payload = message.get_payload()
    if not isinstance(payload, list):
        return None
    for part in payload:
        if isinstance(part, Message) and content_type(part) in (
            "message/delivery-status", "message/global-delivery-status",
        ):
            return part
    # report-type=delivery-status whose status part is mislabelled: still a bounce
    return message if report_type == "delivery-status" else None


def _failed_recipients(report: Message) -> list[str]:
    """Final-Recipient (else Original-Recipient) of each per-recipient block with Action: failed."""
    blocks = report.get_payload() if report is not None else []
    if not isinstance(blocks, list):
        # a status part the stdlib did not split into header blocks: read it as text
        blocks = _blocks_from_text(str(blocks))
    recipients: list[str] = []
    for block in blocks:
        fields = _fields(block)
        if fields.get("action", "").lower() != "failed":
            continue
        address = fields.get("final-recipient") or fields.get("original-recipient") or ""
        address = address.split(";", 1)[-1].strip().strip("<>").strip().lower()
        if address and address not in recipients:
            recipients.append(address)
    return recipients


def _fields(block: object) -> dict[str, str]:
    if isinstance(block, Message):
        items = [(name, raw_to_text(str(value))) for name, value in block.raw_items()]
    elif isinstance(block, dict):
        items = list(block.items())
    else:
        return {}
    return {name.lower(): " ".join(value.split()) for name, value in items}


def _blocks_from_text(text: str) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        fields: dict[str, str] = {}
        for line in chunk.split("\n"):
            name, sep, value = line.partition(":")
            if sep and name.strip() and " " not in name.strip():
                fields[name.strip()] = value.strip()
        blocks.append(fields)
    return blocks
