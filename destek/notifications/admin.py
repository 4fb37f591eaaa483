"""Admin screens: the outbox (read-only, with "retry now") and the email templates."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template import Engine, TemplateDoesNotExist
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from destek.notifications.models import EmailTemplate, OutboundEmail
from destek.notifications.outbox import outbox_retry

OUTBOX_FIELDS: tuple[str, ...] = (
    "status", "kind", "ticket", "message_id", "idempotency_key", "from_email", "recipients",
    "subject", "attempts", "last_error", "next_attempt_at", "claimed_at", "created_at",
    "sent_at", "headers", "body_text", "body_html", "size",
)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Every email Destek sent or tried to send; failures show their error here."""

    list_display = ["id", "created_at", "kind", "to", "subject", "status", "attempts",
                    "error", "next_attempt_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "recipients", "message_id", "idempotency_key"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    show_full_result_count = False  # no count over the whole outbox on every page
    fields = OUTBOX_FIELDS
    readonly_fields = OUTBOX_FIELDS

    @admin.display(description=_("to"))
    def to(self, obj: OutboundEmail) -> str:
        return Truncator(", ".join(obj.recipients or [])).chars(60)

    @admin.display(description=_("last error"))
    def error(self, obj: OutboundEmail) -> str:
        return Truncator(obj.last_error).chars(80)

    @admin.display(description=_("size (bytes)"))
    def size(self, obj: OutboundEmail) -> int:
        return len(obj.raw_bytes)

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboundEmail]:
        # The list never loads the stored MIME bytes.
        return super().get_queryset(request).defer("raw_message", "body_html", "headers")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the outbox is a record; only "retry now" changes it

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.change_outboundemail")

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        count = outbox_retry(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d email queued for delivery.",
                     "%(count)d emails queued for delivery.", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    """Overrides of the shipped notification templates; delete a row to go back to them."""

    list_display = ["key", "language", "subject", "updated_at"]
    list_filter = ["key", "language"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, str | list[str]]:
        """Adding an override starts from the shipped template for that key and language."""
        initial = super().get_changeform_initial_data(request)
        key, language = request.GET.get("key", ""), request.GET.get("language", "")
        if key and language:
            engine = Engine.get_default()
            for field, suffix in (("subject", "subject.txt"), ("body", "txt")):
                name = f"notifications/{key}.{language}.{suffix}"
                try:
                    template = engine.find_template(name)[0]
                except TemplateDoesNotExist:
                    continue
                initial[field] = template.source.strip()
        return initial
