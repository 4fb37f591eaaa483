"""The admin site, whose every add, change and delete is also an audit event.

The admin is where Destek's settings change (mailboxes, departments, SLA policies, email
templates, users…). Rather than each app remembering to record, the site wraps every admin
class registered on it with `AuditsAdminChanges`, which hooks ModelAdmin's own logging methods
(`log_addition`, `log_change`, `log_deletions`, the ones that write Django's LogEntry): the
event names the object and the changed fields, never their values (a mailbox password, an SMTP
secret). INSTALLED_APPS installs the site through `AuditedAdminConfig` (destek.audit.apps).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import admin
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from destek.audit.log import Action, record

V = TypeVar("V", bound=Callable[..., HttpResponseBase])

# Objects whose text form is a secret: an API token's is its key.
SECRET_LABEL_APPS = frozenset({"authtoken"})


def _fields(message: Any) -> tuple[list[str], list[str]]:
    """The changed field names and the changed related rows (inlines) of a change message
    (ModelAdmin.construct_change_message's list); the objects' texts are left out."""
    fields: list[str] = []
    related: list[str] = []
    if not isinstance(message, list):
        return fields, related
    for part in message:
        if not isinstance(part, dict):
            continue
        for kind, info in part.items():
            if not isinstance(info, dict):
                continue
            if "name" in info:  # an inline row added, changed or deleted
                names = ", ".join(str(f) for f in info.get("fields", []))
                related.append(f"{kind} {info['name']}" + (f" ({names})" if names else ""))
            else:
                fields.extend(str(f) for f in info.get("fields", []))
    return fields, related


def _record(request: HttpRequest, obj: Model, change: str, message: Any = None) -> None:
    meta = obj._meta
    if meta.app_label in SECRET_LABEL_APPS:
        # An API token added or deleted by an admin: the same events as through the API.
        action = Action.TOKEN_REVOKED if change == "deleted" else Action.TOKEN_CREATED
        record(action, request=request, target=f"user:{getattr(obj, 'user_id', '')}",
               via="admin")
        return
    fields, related = _fields(message)
    detail: dict[str, Any] = {"change": change, "model": meta.label_lower,
                              "object": str(obj)[:200]}
    if fields:
        detail["fields"] = fields
    if related:
        detail["related"] = related
    record(Action.SETTINGS_CHANGED, request=request,
           target=f"{meta.label_lower}:{obj.pk}", **detail)


class AuditsAdminChanges(admin.ModelAdmin):
    """Mixed in before an app's own admin class by `AuditedAdminSite.register`."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        _record(request, obj, "added", message)
        return entry

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        _record(request, obj, "changed", message)
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # Called before the rows go (the admin has already read them to confirm).
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            _record(request, obj, "deleted")
        return entries


def audited(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    if issubclass(admin_class, AuditsAdminChanges):
        return admin_class
    return type(admin_class.__name__, (AuditsAdminChanges, admin_class),
                {"__module__": admin_class.__module__})


class AuditedAdminSite(admin.AdminSite):
    """Superusers only (issue 16): everyone else configures Destek in Settings
    (/desk/settings/), and the admin answers them 404 like any page they may not see."""

    site_header = _("Destek administration")
    site_title = _("Destek administration")

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and request.user.is_superuser

    def admin_view(self, view: V, cacheable: bool = False) -> V:
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def superusers_only(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if user.is_authenticated and not (user.is_active and user.is_superuser):
                raise Http404("Not found.")
            return inner(request, *args, **kwargs)

        return cast(V, superusers_only)

    def login(self, request: HttpRequest, extra_context: Any = None) -> Any:
        user = request.user
        if user.is_authenticated and not (user.is_active and user.is_superuser):
            raise Http404("Not found.")
        return super().login(request, extra_context)

    def logout(self, request: HttpRequest, extra_context: Any = None) -> TemplateResponse:
        """The admin's own sign-out button (Django's view, not allauth's) is a sign-out too."""
        user = request.user
        if request.method == "POST" and user.is_authenticated:
            record(Action.SIGN_OUT, request=request, target=f"user:{user.pk}", via="admin")
        return super().logout(request, extra_context)

    def register(self, model_or_iterable: type[Model] | Iterable[type[Model]],
                 admin_class: type[admin.ModelAdmin] | None = None,
                 **options: Any) -> None:
        super().register(model_or_iterable, audited(admin_class or admin.ModelAdmin),
                         **options)
