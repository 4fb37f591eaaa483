"""The desk's retention page: the rules, and a dry run that counts what they would remove."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from destek.accounts.web import acting_user, admin_required
from destek.privacy.retention import (
    SETTING_FIELDS,
    apply_retention,
    kind_labels,
    retention_policy_get,
    retention_policy_update,
)
from destek.privacy.retention_models import RetentionPolicy


class RetentionForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = list(SETTING_FIELDS)


@admin_required
def retention(request: HttpRequest) -> HttpResponse:
    policy = retention_policy_get()
    form = RetentionForm(request.POST or None, instance=policy)
    preview = None
    if request.method == "POST" and form.is_valid():
        ages = {field: form.cleaned_data[field] for field in SETTING_FIELDS}
        if "preview" in request.POST:
            # Counts what the rules as typed would remove; nothing is saved or removed.
            draft = RetentionPolicy(**ages)
            preview = kind_labels(apply_retention(draft, dry_run=True))
        else:
            retention_policy_update(actor=acting_user(request), request=request, **ages)
            messages.success(request, _("The retention rules were saved."))
            return redirect(reverse("desk:privacy_retention"))
    return render(request, "privacy/retention.html", {
        "form": form, "policy": policy, "preview": preview,
    }, status=400 if request.method == "POST" and form.errors else 200)
