"""Administrators download one attachment of a received email, read again from the stored raw
message: the way to reach a part the attachment policy refused (it never became a ticket file).

Mixed into the InboundEmail admin (admin_inbound.py): its page lists the message's attachments
with what became of each, and links every one to `admin:mail_inboundemail_part`. A part is named
by its position among the parsed attachments (`ParsedEmail.attachments`), the position the
refusal note was written from. It is served as application/octet-stream, as an attachment,
with nosniff and a sandboxing CSP (core/downloads.content_download): never displayed, never run.
Anyone but an administrator gets 404, as for any object they may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from destek.audit.log import Action, record
from destek.core.downloads import content_download
from destek.core.errors import NotFound
from destek.mail.models import InboundEmail
from destek.mail.parsing import parse_email
from destek.mail.parsing.types import ParsedAttachment, UnparseableEmail
from destek.mail.policies import attachment_verdicts


def access_inbound_email_by_id(*, actor: Any, inbound_id: int) -> InboundEmail:
    """A received email, for administrators only (who may also read its raw bytes)."""
    if not (getattr(actor, "is_authenticated", False) and actor.is_active and actor.is_staff
            and getattr(actor, "is_admin", False)):
        raise NotFound(_("Not found."))
    email = InboundEmail.objects.filter(pk=inbound_id).first()
    if email is None:
        raise NotFound(_("Not found."))
    return email


@dataclass(frozen=True)
class PartRow:
    index: int
    name: str
    content_type: str
    size: int
    kept: bool
    note: str


def inbound_parts(email: InboundEmail) -> list[PartRow]:
    """The attachments of the stored message, in order, with what the policy makes of them."""
    try:
        parsed = parse_email(bytes(email.raw))
    except UnparseableEmail:
        return []
    verdicts = sorted(attachment_verdicts(parsed), key=lambda v: v.index)
    return [PartRow(index=v.index, name=v.attachment.filename,
                    content_type=v.attachment.content_type, size=len(v.attachment.content),
                    kept=v.kept, note=v.note) for v in verdicts]


def inbound_part(email: InboundEmail, index: int) -> ParsedAttachment:
    try:
        attachments = parse_email(bytes(email.raw)).attachments
    except UnparseableEmail:
        raise NotFound(_("Not found.")) from None
    if not 0 <= index < len(attachments):
        raise NotFound(_("Not found."))
    return attachments[index]


def received_email_urls(message_ids: list[int]) -> dict[int, str]:
    """Ticket message id → the admin page of the email it was filed from (one query); the
    desk links them for administrators, next to a refusal note among others."""
    rows = InboundEmail.objects.filter(ticket_message_id__in=message_ids).order_by("pk")
    return {message_id: reverse("admin:mail_inboundemail_change", args=[pk])
            for message_id, pk in rows.values_list("ticket_message_id", "pk") if message_id}


class InboundPartsAdmin(admin.ModelAdmin):
    """Mixed in before admin.ModelAdmin by InboundEmailAdmin."""

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*super().get_fields(request, obj), "attachment_parts"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*super().get_readonly_fields(request, obj), "attachment_parts"]

    @admin.display(description=gettext_lazy("attachments"))
    def attachment_parts(self, email: InboundEmail) -> SafeString | str:
        rows = inbound_parts(email)
        if not rows:
            return "—"
        items = format_html_join("", "<li>{} ({}, {}) — {} <a href=\"{}\">{}</a></li>", (
            (row.name, row.content_type, filesizeformat(row.size),
             _("stored on the ticket") if row.kept else (row.note or _("not stored")),
             reverse("admin:mail_inboundemail_part", args=[email.pk, row.index]),
             _("Download"))
            for row in rows))
        return format_html("<ul>{}</ul>", items)

    def get_urls(self) -> list[URLPattern]:
        part = path("<int:inbound_id>/parts/<int:index>/", never_cache(self.part_view),
                    name="mail_inboundemail_part")
        return [part, *super().get_urls()]

    def part_view(self, request: HttpRequest, inbound_id: int,
                  index: int) -> HttpResponseBase | HttpResponse:
        try:
            email = access_inbound_email_by_id(actor=request.user, inbound_id=inbound_id)
            attachment = inbound_part(email, index)
        except NotFound:
            raise Http404("Not found.") from None
        # The one way to a file the policy kept from the desk: who took it is kept.
        record(Action.REFUSED_PART_DOWNLOADED, request=request,
               target=f"inbound_email:{email.pk}", part=index, name=attachment.filename)
        return content_download(attachment.content, name=attachment.filename)
