"""Settings → Satisfaction ratings (admins): how customers are asked "How did we do?"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from destek.configuration.access import settings_page
from destek.configuration.audited import record_settings_change
from destek.configuration.forms.satisfaction import SatisfactionSettingsForm
from destek.feedback.configure import satisfaction_settings_update
from destek.feedback.selectors import feedback_settings


@settings_page("satisfaction")
def edit(request: HttpRequest) -> HttpResponse:
    row = feedback_settings()
    status = 200
    if request.method == "POST":
        form = SatisfactionSettingsForm(request.POST)
        if form.is_valid():
            row, changed = satisfaction_settings_update(**form.cleaned_data)
            if changed:
                record_settings_change(request, row, "changed", changed)
            messages.success(request, _("The satisfaction settings were saved."))
            return redirect("settings:satisfaction")
        status = 400
    else:
        form = SatisfactionSettingsForm(initial=SatisfactionSettingsForm.initial_for(row))
    return render(request, "configuration/satisfaction.html", {"form": form}, status=status)
