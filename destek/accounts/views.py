"""Account-level views that Django and allauth do not provide."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered on the account so emails follow the choice."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    codes = {code for code, _name in settings.LANGUAGES}
    # A choice, even of the language already shown: the browser no longer decides for them.
    if user.is_authenticated and language in codes and (
            user.language != language or not user.language_chosen):
        user.language, user.language_chosen = language, True
        user.save(update_fields=["language", "language_chosen"])
    return response
