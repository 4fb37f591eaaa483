"""Settings → Branding (admins): what the portal, the desk, emails and the widget show."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from destek.audit.log import Action, record
from destek.branding.services import branding_get, branding_update
from destek.configuration.access import settings_page
from destek.configuration.forms.branding import BrandingForm


@settings_page("branding")
def edit(request: HttpRequest) -> HttpResponse:
    row = branding_get()
    if request.method == "POST":
        form = BrandingForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            brand, changed = branding_update(
                name=data["name"], primary_color=data["primary_color"],
                logo=form.image_change("logo"), favicon=form.image_change("favicon"))
            record(Action.SETTINGS_CHANGED, request=request, target="branding.branding:1",
                   change="changed", model="branding.branding", object=brand.name,
                   fields=changed)
            messages.success(request, _("The branding was saved."))
            return redirect("settings:branding")
        status = 400
    else:
        form = BrandingForm(initial={"name": row.name, "primary_color": row.primary_color})
        status = 200
    return render(request, "configuration/brand_chat/branding.html",
                  {"form": form}, status=status)
