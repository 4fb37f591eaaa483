"""The desk's recovery pages: the supervisors' list and the dismissal form
(/desk/feedback/...). Customers get 404 (staff_required)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from destek.accounts.web import acting_user, staff_required
from destek.core.errors import ApplicationError, NotFound, PermissionDenied
from destek.feedback.complaints import COMPLAINTS_VIEW_QUERY
from destek.feedback.models import Recovery, RecoveryState
from destek.feedback.recovery import may_dismiss, recovery_dismiss
from destek.feedback.selectors_recovery import recovery_list


class DismissForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


@staff_required
@require_GET
def recoveries(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    if not may_dismiss(actor):
        raise Http404
    state = request.GET.get("state", "")
    return render(request, "feedback/recoveries.html", {
        "recoveries": list(recovery_list(state=state)), "state": state,
        "states": RecoveryState.choices, "open_state": RecoveryState.OPEN,
        "complaints_query": COMPLAINTS_VIEW_QUERY,
    })


@staff_required
@require_http_methods(["GET", "POST"])
def dismiss(request: HttpRequest, recovery_id: int) -> HttpResponse:
    actor = acting_user(request)
    if not may_dismiss(actor):
        raise Http404
    recovery = Recovery.objects.select_related("customer", "ticket").filter(
        pk=recovery_id).first()
    if recovery is None:
        raise Http404
    form = DismissForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery_dismiss(actor=actor, recovery_id=recovery.pk,
                             reason=form.cleaned_data["reason"])
        except (NotFound, PermissionDenied) as error:
            raise Http404 from error
        except ApplicationError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(request, _("The recovery was dismissed."))
            return redirect("feedback_desk:recoveries")
    return render(request, "feedback/dismiss.html", {"recovery": recovery, "form": form},
                  status=400 if request.method == "POST" else 200)
