"""The security audit log, for administrators: who did what, when and from where."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from destek.accounts.web import admin_required
from destek.audit.models import Action
from destek.audit.selectors import AuditFilters, audit_event_page
from destek.desk.audit_presenters import action_options, audit_rows


def _with_cursor(params: QueryDict, cursor: str | None) -> str:
    query = params.copy()
    query.pop("cursor", None)
    if cursor:
        query["cursor"] = cursor
    return query.urlencode()


class AuditFilterForm(forms.Form):
    """The page's filters (the template labels them)."""

    who = forms.CharField(required=False, max_length=254)
    action = forms.ChoiceField(required=False, choices=[("", ""), *Action.choices])
    target = forms.CharField(required=False, max_length=120)
    ip = forms.GenericIPAddressField(required=False)
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)


@admin_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    # Invalid filters (a malformed address or date) are shown as errors and left out.
    data = form.cleaned_data if form.is_valid() else {
        k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}
    filters = AuditFilters(
        who=(data.get("who") or "").strip(), action=data.get("action") or "",
        target=(data.get("target") or "").strip(), ip=data.get("ip") or "",
        since=data.get("since"), until=data.get("until"),
    )
    cursor = request.GET.get("cursor") or None
    try:
        page = audit_event_page(filters=filters, cursor=cursor)
    except (ValidationError, ValueError, TypeError, OverflowError):
        cursor = None  # a cursor that decodes to values of the wrong type: start from the top
        page = audit_event_page(filters=filters, cursor=None)
    params = request.GET
    return render(request, "desk/audit.html", {
        "form": form,
        "filters": filters,
        "rows": audit_rows(page.items),
        "action_options": action_options(filters.action),
        "next_query": _with_cursor(params, page.next_cursor) if page.next_cursor else "",
        "first_query": _with_cursor(params, None),
        "has_cursor": bool(cursor),
    })
