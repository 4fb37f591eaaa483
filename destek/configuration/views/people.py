"""Settings › People: the staff with their roles and departments, invitations, and each staff
member's role, departments, availability and deactivation. Administrators only."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from destek.accounts.models import STAFF_ROLES, Department, User
from destek.accounts.web import acting_user
from destek.configuration.access import settings_page
from destek.configuration.forms.people import InvitationForm, StaffForm
from destek.configuration.staff import (
    invitation_pending,
    invitation_send,
    staff_invite,
    staff_update,
)

PAGE_SIZE = 100


def staff() -> QuerySet[User]:
    return User.objects.filter(role__in=STAFF_ROLES).prefetch_related(
        Prefetch("departments", queryset=Department.objects.only("id", "name"))
    ).order_by("-is_active", "full_name", "email")


@settings_page("people")
def people_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(staff(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(user, invitation_pending(user)) for user in page.object_list]
    return render(request, "configuration/people_sla/people_list.html",
                  {"rows": rows, "page": page})


@settings_page("people")
def person_invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None,
                          initial={"language": (get_language() or "en")[:2]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = staff_invite(request=request, inviter=acting_user(request), email=data["email"],
                            full_name=data["full_name"], role=data["role"],
                            language=data["language"], departments=data["departments"])
        messages.success(request, _("An invitation was sent to %(email)s.") % {"email": user.email})
        return redirect("settings:people")
    return render(request, "configuration/people_sla/person_invite.html", {"form": form})


@settings_page("people")
def person_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(staff(), pk=user_id)
    actor = acting_user(request)
    form = StaffForm(request.POST or None, user=user, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = staff_update(request=request, user=user, role=data["role"],
                               is_active=data["is_active"], is_available=data["is_available"],
                               max_open_tickets=data["max_open_tickets"],
                               departments=data["departments"])
        if changed:
            messages.success(request, _("%(name)s was saved.") % {"name": user.display_name})
        return redirect("settings:people")
    return render(request, "configuration/people_sla/person_form.html", {
        "form": form, "person": user, "pending": invitation_pending(user)})


@settings_page("people")
def person_reinvite(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(staff(), pk=user_id)
    if request.method != "POST" or not invitation_pending(user) or not user.is_active:
        raise Http404("Not found.")
    invitation_send(user=user, inviter=acting_user(request))
    messages.success(request, _("An invitation was sent to %(email)s.") % {"email": user.email})
    return redirect("settings:person_edit", user_id=user.pk)
