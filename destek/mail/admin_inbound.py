"""Admin for received mail: every message a door accepted, listed by what became of it (a
ticket, a reply, ignored or quarantined with the reason, a duplicate linked to the message it
repeats, a reused Message-ID linked to the earlier message), the raw message as a download,
and "reprocess"; bouncing addresses (imported by destek/mail/admin.py)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from destek.mail import tasks
from destek.mail.admin_parts import InboundPartsAdmin
from destek.mail.models import EmailAddressStatus, InboundEmail, InboundState

_FIELDS: list[str] = [
    "outcome", "note", "error", "duplicate_link", "collision_link", "attempts", "received_at",
    "processed_at", "source", "mailbox", "envelope_to", "from_address", "subject",
    "header_message_id", "dedupe_key", "size", "ticket_link", "raw_download",
]


class OutcomeFilter(admin.SimpleListFilter):
    """What became of each accepted message; one of these holds for every row."""

    title = _("outcome")
    parameter_name = "outcome"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin,
                ) -> list[tuple[str, str]]:
        return [(key, str(label)) for key, (label, _q) in OUTCOMES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[InboundEmail],
                 ) -> QuerySet[InboundEmail]:
        value = self.value()
        if value in OUTCOMES:
            return queryset.filter(OUTCOMES[value][1])
        return queryset


OUTCOMES = {
    "ticket": (_("New ticket"), Q(state=InboundState.PROCESSED, opened_ticket=True)),
    "reply": (_("Reply"), Q(state=InboundState.PROCESSED, opened_ticket=False)),
    "ignored": (_("Ignored"), Q(state=InboundState.IGNORED)),
    "duplicate": (_("Duplicate"), Q(state=InboundState.DUPLICATE)),
    "quarantined": (_("Quarantined"), Q(state=InboundState.QUARANTINED)),
    "pending": (_("Waiting to be processed"), Q(state=InboundState.PENDING)),
    "reused": (_("Reused Message-ID"), Q(same_message_id_as__isnull=False)),
}


def outcome_of(email: InboundEmail) -> str:
    """The outcome's name, in words."""
    if email.state == InboundState.PROCESSED:
        return str(_("New ticket") if email.opened_ticket else _("Reply"))
    return str(email.get_state_display())


@admin.register(InboundEmail)
class InboundEmailAdmin(InboundPartsAdmin, admin.ModelAdmin):  # + each attachment (admin_parts)
    list_display = ["received_at", "outcome", "reason", "from_address", "subject", "mailbox",
                    "source", "attempts", "ticket_link"]
    list_filter = [OutcomeFilter, "source", "mailbox", "received_at"]
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

    @admin.display(description=_("outcome"), ordering="state")
    def outcome(self, email: InboundEmail) -> str:
        return outcome_of(email)

    @admin.display(description=_("reason"))
    def reason(self, email: InboundEmail) -> str:
        """Why it was ignored, quarantined or not filed again; what it became otherwise."""
        if email.state == InboundState.QUARANTINED:
            lines = email.error.strip().splitlines()  # a traceback ends with the exception
            return lines[-1][:200] if lines else "—"
        return email.note[:200] or "—"

    @admin.display(description=_("duplicate of"))
    def duplicate_link(self, email: InboundEmail) -> str:
        return self._inbound_link(email.duplicate_of_id)

    @admin.display(description=_("Message-ID already used by"))
    def collision_link(self, email: InboundEmail) -> str:
        return self._inbound_link(email.same_message_id_as_id)

    @staticmethod
    def _inbound_link(inbound_id: int | None) -> str:
        if inbound_id is None:
            return "—"
        url = reverse("admin:mail_inboundemail_change", args=[inbound_id])
        return format_html('<a href="{}">#{}</a>', url, inbound_id)

    @admin.display(description=_("ticket"))
    def ticket_link(self, email: InboundEmail) -> str:
        if email.ticket_id is None:
            return "—"
        # Tickets are not in the admin: the link opens the ticket in the agent desk.
        url = reverse("desk:ticket", args=[email.ticket_id])
        return format_html('<a href="{}">#{}</a>', url, email.ticket_id)

    @admin.display(description=_("raw message"))
    def raw_download(self, email: InboundEmail) -> str:
        if email.state == InboundState.DUPLICATE:  # its bytes are the original's
            return self._inbound_link(email.duplicate_of_id)
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
