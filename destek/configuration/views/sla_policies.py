"""Settings › SLA policies: the list with each policy in a sentence, and its form. Supervisors
read them; administrators change them. Every save reloads the SLA configuration everywhere
and recomputes the open tickets' deadlines (destek.sla.configuration)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import Department, Organization
from destek.accounts.web import acting_user
from destek.configuration.access import settings_page
from destek.configuration.audited import record_settings_change
from destek.configuration.forms.sla import SlaPolicyForm
from destek.configuration.sla_summary import policy_summary
from destek.sla.configuration import sla_config_changed
from destek.sla.models import SlaPolicy


def policies() -> QuerySet[SlaPolicy]:
    """What the summaries read, in four queries whatever the number of policies."""
    return SlaPolicy.objects.select_related("calendar").prefetch_related(
        Prefetch("departments", queryset=Department.objects.only("id", "name")),
        Prefetch("resellers", queryset=Organization.objects.only("id", "name")))


@settings_page("sla_policies")
def policy_list(request: HttpRequest) -> HttpResponse:
    rows = [(policy, policy_summary(policy)) for policy in policies()]
    return render(request, "configuration/people_sla/sla_list.html", {
        "rows": rows, "may_edit": acting_user(request).is_admin})


@settings_page("sla_policies")
def policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    policy = get_object_or_404(policies(), pk=policy_id) if policy_id else SlaPolicy()
    may_edit = acting_user(request).is_admin
    if request.method == "POST":
        if not may_edit:
            raise Http404("Not found.")
        form = SlaPolicyForm(request.POST, instance=policy)
        if form.is_valid():
            policy_save(request, form)
            messages.success(request, _("The SLA policy “%(name)s” was saved; open tickets "
                                        "get their new deadlines in a moment.")
                             % {"name": form.instance.name})
            return redirect("settings:sla_policies")
    else:
        form = SlaPolicyForm(instance=policy)
    if not may_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "configuration/people_sla/sla_form.html", {
        "form": form, "policy": policy, "may_edit": may_edit,
        "summary": policy_summary(policy) if policy.pk else ""})


@settings_page("sla_policies")
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    if request.method != "POST" or not acting_user(request).is_admin:
        raise Http404("Not found.")
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    with transaction.atomic():
        record_settings_change(request, policy, "deleted")
        policy.delete()
        sla_config_changed(reason=f"SLA policy {policy.name} deleted in Settings")
    messages.success(request, _("The SLA policy “%(name)s” was deleted.") % {"name": policy.name})
    return redirect("settings:sla_policies")


def policy_save(request: HttpRequest, form: SlaPolicyForm) -> SlaPolicy:
    added = form.instance.pk is None
    with transaction.atomic():
        policy = form.save(commit=False)
        policy.updated_at = timezone.now()
        policy.save()
        form.save_m2m()
        record_settings_change(request, policy, "added" if added else "changed",
                               form.changed_data)
        sla_config_changed(reason=f"SLA policy {policy.name} saved in Settings")
    return policy
