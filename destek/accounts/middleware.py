"""Per-user language and time zone, and enforced two-factor authentication for staff."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from destek.accounts.mfa import must_enrol_mfa
from destek.accounts.zones import user_zone


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        cookie_lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if user is not None and user.is_authenticated and not cookie_lang and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class UserTimeZoneMiddleware:
    """Every date a signed-in person is shown, in their own zone (`User.time_zone`), else in
    TIME_ZONE. Reads only the user the authentication middleware loaded: no query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            timezone.activate(user_zone(user))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            # The zone is the thread's (or the task's): it must not outlive this request.
            timezone.deactivate()


class StaffMfaMiddleware:
    """With DESTEK_REQUIRE_STAFF_MFA on, staff must enrol TOTP before using the product."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DESTEK_REQUIRE_STAFF_MFA and self._needs_enrolment(request):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _needs_enrolment(self, request: HttpRequest) -> bool:
        # /api/ answers 403 in JSON instead (destek.api.base), /accounts/ is where one enrols.
        if request.path.startswith(self.ALLOWED_PREFIXES):
            return False
        return must_enrol_mfa(getattr(request, "user", None))
