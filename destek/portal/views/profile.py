"""The customer's own profile: name, phone, language, time zone and email choice.

The email address changes through allauth's email management (linked from the page), which
verifies the new address first.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from destek.accounts.profile import ProfileChanges, profile_update
from destek.core.errors import ApplicationError
from destek.portal.forms import ProfileForm
from destek.portal.lang import current_language
from destek.portal.views.common import customer_required, portal_user
from destek.status.selectors import backups_of_customer


def _initial(request: HttpRequest) -> dict[str, object]:
    user = portal_user(request)
    # The language the page is in: for a customer who never chose one, their browser's.
    return {"full_name": user.full_name, "phone": user.phone, "language": current_language(),
            "time_zone": user.time_zone, "email_notifications": user.email_notifications}


@require_http_methods(["GET", "POST"])
@customer_required
def profile(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    if request.method != "POST":
        return render(request, "portal/profile.html",
                      {"form": ProfileForm(initial=_initial(request)),
                       "backups": backups_of_customer(user)})
    form = ProfileForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = profile_update(actor=user, request=request, changes=ProfileChanges(
                full_name=data["full_name"], phone=data["phone"], language=data["language"],
                time_zone=data["time_zone"], email_notifications=data["email_notifications"]))
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            if "language" in changed:
                translation.activate(user.language)
            messages.success(request, _("Your profile has been saved."))
            response = redirect("portal:profile")
            if "language" in changed:
                # The language switch's cookie wins over the account (UserLanguageMiddleware):
                # it follows the new choice, as the switch itself does.
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language,
                                    max_age=settings.LANGUAGE_COOKIE_AGE,
                                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                                    secure=settings.LANGUAGE_COOKIE_SECURE,
                                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY)
            return response
    return render(request, "portal/profile.html",
                  {"form": form, "backups": backups_of_customer(user)}, status=400)
