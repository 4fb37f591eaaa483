"""Settings → Canned responses: supervisors and admins manage the shared ones and their own;
every other agent reads the shared ones they may use and manages their own personal ones. A
response with actions is a macro (destek.tickets.macros), listed with what it does and how
often it was used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.accounts.web import acting_user
from destek.audit.log import Action, record
from destek.configuration.access import settings_page
from destek.configuration.forms.canned import CannedResponseForm
from destek.core.errors import ApplicationError, NotFound
from destek.tickets.access import (
    access_canned_response_by_id,
    canned_responses_visible_to,
    may_manage_canned_response,
)
from destek.tickets.macros import is_macro, macro_actions
from destek.tickets.models import CannedResponse
from destek.tickets.services.canned import (
    PLACEHOLDERS,
    canned_response_create,
    canned_response_delete,
    canned_response_update,
)

MAX_LISTED = 500  # a desk offers at most 200 per ticket; more than this is not a list to read

# What each placeholder becomes, for the people who write responses.
PLACEHOLDER_HELP = {
    "customer_name": gettext_lazy("the customer's name"),
    "customer_email": gettext_lazy("the customer's email address"),
    "ticket_number": gettext_lazy("the ticket's number (not in chats)"),
    "ticket_subject": gettext_lazy("the ticket's subject (not in chats)"),
    "agent_name": gettext_lazy("your name, as the customer sees it"),
    "department": gettext_lazy("the department's name"),
}


def _audit(request: HttpRequest, canned: CannedResponse, change: str,
           fields: list[str] | None = None) -> None:
    detail: dict[str, Any] = {"fields": fields} if fields else {}
    record(Action.SETTINGS_CHANGED, request=request,
           target=f"tickets.cannedresponse:{canned.pk}", change=change,
           model="tickets.cannedresponse", object=canned.title[:200], **detail)


def _access(request: HttpRequest, canned_id: int) -> CannedResponse:
    try:
        return access_canned_response_by_id(actor=acting_user(request), canned_id=canned_id,
                                            to_manage=True)
    except ApplicationError:
        raise Http404 from None


def _form_page(request: HttpRequest, form: CannedResponseForm,
               canned: CannedResponse | None, status: int = 200) -> HttpResponse:
    return render(request, "configuration/brand_chat/canned_form.html", {
        "form": form, "canned": canned,
        "placeholders": [(f"{{{name}}}", PLACEHOLDER_HELP[name]) for name in PLACEHOLDERS],
    }, status=status)


@dataclass(frozen=True)
class CannedRow:
    pk: int
    title: str
    language: str
    department: str
    personal: bool
    manageable: bool  # the viewer may edit and delete it
    actions: str  # a macro's actions in one sentence; "" for a plain canned response
    usage_count: int


def _row(canned: CannedResponse, language: str, staff: dict[int, str],
         actor: User) -> CannedRow:
    department = (canned.department.localized_name(language) if canned.department
                  else _("Every department"))
    actions = macro_actions(canned, staff_name=staff.get) if is_macro(canned) else []
    return CannedRow(pk=canned.pk, title=canned.title,
                     language=str(canned.get_language_display()), department=department,
                     personal=canned.owner_id is not None,
                     manageable=may_manage_canned_response(actor, canned),
                     actions=_one_sentence(actions),
                     usage_count=canned.usage_count)


def _one_sentence(actions: list[str]) -> str:
    """["Sends the reply", "Adds the tags x"] → "Sends the reply, adds the tags x."."""
    if not actions:
        return ""
    rest = [a[:1].lower() + a[1:] for a in actions[1:]]
    return ", ".join([actions[0], *rest]) + "."


def _staff_names(found: list[CannedResponse]) -> dict[int, str]:
    """The agents macros assign to by id, named in one query."""
    ids = {int(c.set_assignee) for c in found if c.set_assignee.isdigit()}
    if not ids:
        return {}
    return {u.pk: u.display_name for u in User.objects.filter(pk__in=ids)}


@settings_page("canned_responses")
def index(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    found = list(canned_responses_visible_to(actor).select_related("department")
                 .order_by("title", "pk")[:MAX_LISTED + 1])
    staff = _staff_names(found[:MAX_LISTED])
    rows = [_row(c, get_language(), staff, actor) for c in found[:MAX_LISTED]]
    return render(request, "configuration/brand_chat/canned_list.html", {
        "may_share": actor.may_configure,
        "shared": [r for r in rows if not r.personal],
        "personal": [r for r in rows if r.personal],
        "truncated": len(found) > MAX_LISTED,
    })


@settings_page("canned_responses")
def create(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    if request.method != "POST":
        return _form_page(request, CannedResponseForm(actor=actor), None)
    form = CannedResponseForm(request.POST, actor=actor)
    if not form.is_valid():
        return _form_page(request, form, None, status=400)
    try:
        canned = canned_response_create(actor=actor, data=form.value())
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _form_page(request, form, None, status=400)
    _audit(request, canned, "added")
    messages.success(request, _("The canned response “%(title)s” was saved.")
                     % {"title": canned.title})
    return redirect("settings:canned_responses")


@settings_page("canned_responses")
def edit(request: HttpRequest, canned_id: int) -> HttpResponse:
    canned = _access(request, canned_id)
    actor = acting_user(request)
    if request.method != "POST":
        return _form_page(request, CannedResponseForm(
            initial=CannedResponseForm.initial_for(canned), actor=actor), canned)
    form = CannedResponseForm(request.POST, actor=actor)
    if not form.is_valid():
        return _form_page(request, form, canned, status=400)
    try:
        changed = canned_response_update(actor=actor, canned=canned, data=form.value())
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _form_page(request, form, canned, status=400)
    if changed:
        _audit(request, canned, "changed", changed)
    messages.success(request, _("The canned response “%(title)s” was saved.")
                     % {"title": canned.title})
    return redirect("settings:canned_responses")


@settings_page("canned_responses")
def delete(request: HttpRequest, canned_id: int) -> HttpResponse:
    canned = _access(request, canned_id)
    if request.method != "POST":
        return render(request, "configuration/brand_chat/canned_delete.html",
                      {"canned": canned})
    with transaction.atomic():  # the audit event and the deletion, or neither
        _audit(request, canned, "deleted")
        canned_response_delete(actor=acting_user(request), canned=canned)
    messages.success(request, _("The canned response “%(title)s” was deleted.")
                     % {"title": canned.title})
    return redirect("settings:canned_responses")
