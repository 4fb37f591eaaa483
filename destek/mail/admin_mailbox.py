"""Admin for mailboxes: the address, and the IMAP server it is polled from, with a
"test connection" action (imported by destek/mail/admin.py)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from destek.mail.doors import imap
from destek.mail.doors.tasks import poll_imap_mailbox
from destek.mail.models import Mailbox
from destek.mail.password_field import KeepsStoredPassword


class MailboxForm(KeepsStoredPassword, forms.ModelForm):
    # Never sent back to the browser; left empty, the stored password is kept.
    imap_password = forms.CharField(
        label=_("IMAP password"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = Mailbox
        fields = ["name", "address", "department", "is_active", "sender_policy", "from_name",
                  "signature", "imap_host", "imap_port", "imap_security", "imap_username",
                  "imap_password", "imap_folder", "imap_archive_folder"]


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["address", "name", "department", "is_active", "imap_host",
                    "imap_last_polled_at", "imap_status"]
    list_filter = ["is_active", "department"]
    search_fields = ["address", "name", "imap_host"]
    readonly_fields = ["imap_uidvalidity", "imap_last_uid", "imap_last_polled_at",
                       "imap_last_error"]
    fieldsets = (
        (None, {"fields": ("name", "address", "department", "is_active", "sender_policy",
                           "from_name", "signature")}),
        (_("IMAP polling (optional)"), {"fields": (
            "imap_host", "imap_port", "imap_security", "imap_username", "imap_password",
            "imap_folder", "imap_archive_folder", "imap_uidvalidity", "imap_last_uid",
            "imap_last_polled_at", "imap_last_error",
        )}),
    )
    actions = ["test_connection", "poll_now"]

    @admin.display(description=_("IMAP status"))
    def imap_status(self, mailbox: Mailbox) -> str:
        if not mailbox.imap_host:
            return "—"
        return mailbox.imap_last_error.splitlines()[0] if mailbox.imap_last_error else _t("OK")

    @admin.action(description=_("Test the IMAP connection"))
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset:
            if not mailbox.imap_host:
                self.message_user(request, _t("%(mailbox)s has no IMAP server.")
                                  % {"mailbox": mailbox}, messages.WARNING)
                continue
            report = imap.check_connection(mailbox=mailbox)
            if report.ok:
                self.message_user(request, ngettext(
                    "%(mailbox)s: connected. %(count)s message in %(folder)s. "
                    "Folders: %(folders)s.",
                    "%(mailbox)s: connected. %(count)s messages in %(folder)s. "
                    "Folders: %(folders)s.",
                    report.messages or 0,
                ) % {"mailbox": mailbox, "count": report.messages, "folder": mailbox.imap_folder,
                     "folders": ", ".join(report.folders)}, messages.SUCCESS)
            else:
                self.message_user(request, _t("%(mailbox)s: cannot connect: %(error)s")
                                  % {"mailbox": mailbox, "error": report.error}, messages.ERROR)

    @admin.action(description=_("Poll the IMAP folder now"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        ids = list(queryset.filter(is_active=True).exclude(imap_host="")
                   .values_list("pk", flat=True))
        for mailbox_id in ids:
            poll_imap_mailbox.delay(mailbox_id)
        self.message_user(request, ngettext("Polling %(count)s mailbox.",
                                            "Polling %(count)s mailboxes.", len(ids))
                          % {"count": len(ids)}, messages.SUCCESS)
