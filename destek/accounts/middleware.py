"""Per-user language and time zone, and enforced two-factor authentication for staff."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from destek.accounts.mfa import must_enrol_mfa
from destek.accounts.models import User
from destek.accounts.zones import user_zone


class UserLanguageMiddleware:
    """The language switch's cookie first; then a signed-in user's saved language, except for
    a customer who never chose one: their pages follow the browser's Accept-Language (what
    LocaleMiddleware picked), and so do their emails, the account following the browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        cookie_lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if user is None or not user.is_authenticated or cookie_lang:
            return self.get_response(request)
        browser = browser_language(request)
        if user.is_customer and not user.language_chosen and browser:
            if browser != user.language:
                user.language = browser
                User.objects.filter(pk=user.pk).update(language=browser)
            language = browser
        else:
            language = user.language
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def browser_language(request: HttpRequest) -> str | None:
    """The first of the browser's Accept-Language tags that Destek speaks ("tr-TR" → "tr"),
    in the browser's order; None when it names none of them (or sends no header)."""
    codes = {code for code, _name in settings.LANGUAGES}
    for tag in request.headers.get("Accept-Language", "").split(","):
        code = tag.split(";")[0].strip().lower()[:2]
        if code in codes:
            return code
    return None


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
