"""Admin screens of the WHMCS sync: the connection (the API secret is write-only: stored
sealed, never shown), "Test connection" and "Sync now", and every run with what it changed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from destek.core.sealing import seal
from destek.hosting.models import (
    WHMCS_SECRET_PURPOSE,
    ServiceKind,
    WhmcsConnection,
    WhmcsSyncRun,
)
from destek.hosting.whmcs.client import WhmcsError
from destek.hosting.whmcs.run import check_connection
from destek.hosting.whmcs.tasks import whmcs_sync


class WhmcsConnectionForm(forms.ModelForm):
    url = forms.URLField(label=_("WHMCS address"), max_length=300, assume_scheme="https",
                         help_text=WhmcsConnection._meta.get_field("url").help_text)
    api_secret = forms.CharField(
        label=_("API secret"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the saved "
                    "secret."))

    class Meta:
        model = WhmcsConnection
        fields = ["name", "source", "url", "identifier", "api_secret", "enabled",
                  "interval_minutes", "kind_map", "default_currency", "fetch_client_details",
                  "page_size"]

    def clean_api_secret(self) -> str:
        secret: str = self.cleaned_data.get("api_secret") or ""
        if not secret and not self.instance.sealed_secret:
            raise forms.ValidationError(gettext("Enter the API secret."))
        return secret

    def clean_kind_map(self) -> dict[str, str]:
        value = self.cleaned_data.get("kind_map") or {}
        kinds = set(ServiceKind.values)
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and v in kinds for k, v in value.items()):
            raise forms.ValidationError(
                gettext("Give product group names and one of these kinds: %(kinds)s.")
                % {"kinds": ", ".join(sorted(kinds))})
        return value

    def clean_default_currency(self) -> str:
        code = (self.cleaned_data.get("default_currency") or "").strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise forms.ValidationError(gettext("A currency is a three-letter code, e.g. USD."))
        return code


@admin.register(WhmcsConnection)
class WhmcsConnectionAdmin(admin.ModelAdmin):
    form = WhmcsConnectionForm
    list_display = ["name", "url", "enabled", "interval_minutes", "last_started_at",
                    "latest_run"]
    readonly_fields = ["last_started_at"]
    actions = ["test_connection", "sync_now"]

    def save_model(self, request: HttpRequest, obj: WhmcsConnection, form: Any,
                   change: bool) -> None:
        secret = form.cleaned_data.get("api_secret")
        if secret:
            obj.sealed_secret = seal(secret, purpose=WHMCS_SECRET_PURPOSE)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("latest run"))
    def latest_run(self, obj: WhmcsConnection) -> str:
        run = obj.runs.order_by("-started_at").first()
        return f"{run.get_status_display()} ({run.started_at:%Y-%m-%d %H:%M})" if run else "—"

    @admin.action(description=_("Test connection"))
    def test_connection(self, request: HttpRequest,
                        queryset: QuerySet[WhmcsConnection]) -> None:
        for connection in queryset:
            try:
                clients = check_connection(connection=connection)
            except WhmcsError as error:
                self.message_user(request, gettext("%(name)s: %(error)s")
                                  % {"name": connection, "error": error.message},
                                  messages.ERROR)
            else:
                self.message_user(request, gettext("%(name)s answers: %(count)s clients.")
                                  % {"name": connection, "count": clients}, messages.SUCCESS)

    @admin.action(description=_("Sync now"))
    def sync_now(self, request: HttpRequest, queryset: QuerySet[WhmcsConnection]) -> None:
        for connection in queryset:
            whmcs_sync.delay(connection.pk, manual=True)
        self.message_user(request, gettext("Sync started; its result is listed under WHMCS "
                                           "sync runs."), messages.SUCCESS)


@admin.register(WhmcsSyncRun)
class WhmcsSyncRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "connection", "status", "changes", "error_count", "pages",
                    "failed_pages", "finished_at"]
    list_filter = ["status", "connection"]
    list_select_related = ["connection"]
    readonly_fields = ["connection", "manual", "started_at", "finished_at", "status", "created",
                       "updated", "unchanged", "deleted", "error_count", "errors", "message",
                       "pages", "failed_pages", "calls"]

    @admin.display(description=_("changes"))
    def changes(self, obj: WhmcsSyncRun) -> str:
        def total(counts: dict[str, int]) -> int:
            return sum(counts.values()) if isinstance(counts, dict) else 0
        return gettext("%(created)d new, %(updated)d updated, %(unchanged)d unchanged, "
                       "%(cancelled)d cancelled") % {
            "created": total(obj.created), "updated": total(obj.updated),
            "unchanged": total(obj.unchanged), "cancelled": total(obj.deleted)}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
