"""Settings › Departments and routing: the departments (names in English and Turkish, how
tickets are assigned, who works there) and the routing rules that send new tickets to them."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Prefetch, ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.domain_events import StaffChanged
from destek.accounts.models import Department, User
from destek.configuration.access import settings_page
from destek.configuration.audited import record_settings_change
from destek.configuration.forms.departments import DepartmentForm, RoutingRuleForm
from destek.core.bus import publish
from destek.tickets.models import RoutingRule
from destek.tickets.routing_rules import routing_rules_changed


@settings_page("departments")
def department_list(request: HttpRequest) -> HttpResponse:
    departments = Department.objects.select_related("supervisor").annotate(
        member_count=Count("agents", distinct=True)).order_by("name")
    rules = RoutingRule.objects.select_related("department").prefetch_related(
        Prefetch("from_departments", queryset=Department.objects.only("id", "name")))
    return render(request, "configuration/people_sla/department_list.html", {
        "departments": departments, "rules": rules})


@settings_page("departments")
def department_edit(request: HttpRequest, department_id: int | None = None) -> HttpResponse:
    department = get_object_or_404(
        Department.objects.prefetch_related(Prefetch("agents", queryset=User.objects.only("id"))),
        pk=department_id) if department_id else Department()
    form = DepartmentForm(request.POST or None, instance=department)
    if request.method == "POST" and form.is_valid():
        added = department.pk is None
        with transaction.atomic():
            saved = form.save()
            saved.agents.set(form.cleaned_data["agents"])
            record_settings_change(request, saved, "added" if added else "changed",
                                   form.changed_data)
            publish(StaffChanged())
        messages.success(request, _("The department “%(name)s” was saved.") % {"name": saved.name})
        return redirect("settings:departments")
    return render(request, "configuration/people_sla/department_form.html", {
        "form": form, "department": department})


@settings_page("departments")
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=rule_id) if rule_id else RoutingRule()
    form = RoutingRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        added = rule.pk is None
        with transaction.atomic():
            saved = form.save(commit=False)
            saved.updated_at = timezone.now()
            saved.save()
            form.save_m2m()
            record_settings_change(request, saved, "added" if added else "changed",
                                   form.changed_data)
            routing_rules_changed()
        messages.success(request,
                         _("The routing rule “%(name)s” was saved.") % {"name": saved.name})
        return redirect("settings:departments")
    return render(request, "configuration/people_sla/rule_form.html", {"form": form, "rule": rule})


@settings_page("departments")
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404("Not found.")
    rule = get_object_or_404(RoutingRule, pk=rule_id)
    with transaction.atomic():
        record_settings_change(request, rule, "deleted")
        rule.delete()
        routing_rules_changed()
    messages.success(request, _("The routing rule “%(name)s” was deleted.") % {"name": rule.name})
    return redirect("settings:departments")


@settings_page("departments")
def department_delete(request: HttpRequest, department_id: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404("Not found.")
    department = get_object_or_404(Department, pk=department_id)
    try:
        with transaction.atomic():
            record_settings_change(request, department, "deleted")
            department.delete()
            publish(StaffChanged())
    except ProtectedError:
        messages.error(request, _("“%(name)s” still has tickets or routing rules; move them to "
                                  "another department first.") % {"name": department.name})
        return redirect("settings:department_edit", department_id=department_id)
    messages.success(request,
                     _("The department “%(name)s” was deleted.") % {"name": department.name})
    return redirect("settings:departments")
