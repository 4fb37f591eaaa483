"""Admin for received mail: quarantined messages with their error, the raw message as a
download, and "reprocess"; bouncing addresses (imported by destek/mail/admin.py)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from destek.mail import tasks
from destek.mail.admin_parts import InboundPartsAdmin
from destek.mail.models import EmailAddressStatus, InboundEmail

_FIELDS: list[str] = [
    "state", "note", "error", "attempts", "received_at", "processed_at", "source", "mailbox",
    "envelope_to", "from_address", "subject", "header_message_id", "dedupe_key", "size",
    "ticket_link", "raw_download",
]


@admin.register(InboundEmail)
class InboundEmailAdmin(InboundPartsAdmin, admin.ModelAdmin):  # + each attachment (admin_parts)
    list_display = ["received_at", "state", "from_address", "subject", "mailbox", "source",
                    "attempts", "ticket_link"]
    list_filter = ["state", "source", "mailbox", "received_at"]
    search_fields = ["from_address", "subject", "header_message_id", "error", "note"]
    date_hierarchy = "received_at"
    list_select_related = ["mailbox"]
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    actions = ["reprocess"]
    fields = tuple(_FIELDS)
    readonly_fields = _FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("ticket"))
    def ticket_link(self, email: InboundEmail) -> str:
        if email.ticket_id is None:
            return "—"
        # Tickets are not in the admin: the link opens the ticket in the agent desk.
        url = reverse("desk:ticket", args=[email.ticket_id])
        return format_html('<a href="{}">#{}</a>', url, email.ticket_id)

    @admin.display(description=_("raw message"))
    def raw_download(self, email: InboundEmail) -> str:
        url = reverse("admin:mail_inboundemail_raw", args=[email.pk])
        return format_html('<a href="{}">{}</a> ({})', url, _("Download .eml"),
                           filesizeformat(email.size))

    def get_urls(self) -> list[URLPattern]:
        raw = path("<int:inbound_id>/raw/", self.admin_site.admin_view(self.raw_view),
                   name="mail_inboundemail_raw")
        return [raw, *super().get_urls()]

    def raw_view(self, request: HttpRequest, inbound_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        email = get_object_or_404(InboundEmail, pk=inbound_id)
        response = HttpResponse(bytes(email.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="inbound-{email.pk}.eml"'
        return response

    @admin.action(description=_("Process again"), permissions=["view"])
    def reprocess(self, request: HttpRequest, queryset: QuerySet[InboundEmail]) -> None:
        count = tasks.reprocess(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, ngettext("%(count)d message is being processed again.",
                                            "%(count)d messages are being processed again.",
                                            count) % {"count": count}, messages.SUCCESS)


@admin.register(EmailAddressStatus)
class EmailAddressStatusAdmin(admin.ModelAdmin):
    list_display = ["address", "bouncing", "bounce_count", "last_bounce_at",
                    "last_bounce_reason"]
    list_filter = ["bouncing"]
    search_fields = ["address"]
    readonly_fields = ["bounce_count", "last_bounce_at", "last_bounce_reason"]
    actions = ["clear_bouncing"]

    @admin.action(description=_("Send to these addresses again"), permissions=["change"])
    def clear_bouncing(self, request: HttpRequest,
                       queryset: QuerySet[EmailAddressStatus]) -> None:
        count = queryset.update(bouncing=False)
        self.message_user(request, ngettext("%(count)d address cleared.",
                                            "%(count)d addresses cleared.", count)
                          % {"count": count}, messages.SUCCESS)
