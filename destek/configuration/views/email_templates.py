"""Settings → Email templates: every email the product sends, its shipped text until an admin
changes it, the placeholders it gets and a live preview with sample values in both languages.
Rendering, defaults and saving belong to destek.notifications.email_templates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from destek.audit.log import Action, record
from destek.configuration.access import settings_page
from destek.configuration.forms.email_templates import EmailTemplateForm
from destek.notifications import catalog
from destek.notifications.email_templates import (
    LANGUAGES,
    email_template_get,
    email_template_list,
    email_template_preview,
    email_template_reset,
    email_template_save,
)

SECTION = "email_templates"
LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe"}


def _kind(key: str, language: str) -> catalog.EmailKind:
    found = catalog.kind(key)
    if found is None or language not in LANGUAGES:
        raise Http404("Not found.")
    return found


def _audit(request: HttpRequest, key: str, language: str, change: str) -> None:
    record(Action.SETTINGS_CHANGED, request=request, target=f"email_template:{key}.{language}",
           change=change, model="notifications.emailtemplate", object=f"{key} ({language})",
           fields=["subject", "body"] if change == "changed" else [], via="settings")


@settings_page(SECTION)
def template_list(request: HttpRequest) -> HttpResponse:
    return render(request, "configuration/email_templates.html",
                  {"rows": email_template_list(), "language_names": LANGUAGE_NAMES})


@settings_page(SECTION)
def template_edit(request: HttpRequest, key: str, language: str) -> HttpResponse:
    kind = _kind(key, language)
    current = email_template_get(kind=kind, language=language)
    form = EmailTemplateForm(request.POST or None,
                             initial={"subject": current.subject, "body": current.body})
    if request.method == "POST" and form.is_valid():
        try:
            _row, changed = email_template_save(kind=kind, language=language,
                                                subject=form.cleaned_data["subject"],
                                                body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, _("The template cannot be rendered: %(error)s")
                           % {"error": " ".join(error.messages)})
        else:
            if changed:
                _audit(request, key, language, "changed")
            messages.success(request, _("“%(title)s” (%(language)s) saved.")
                             % {"title": kind.title, "language": LANGUAGE_NAMES[language]})
            return redirect("settings:email_template_edit", key=key, language=language)
    subject = form["subject"].value() or ""
    body = form["body"].value() or ""
    other = next(code for code in LANGUAGES if code != language)
    other_text = email_template_get(kind=kind, language=other)
    return render(request, "configuration/email_template_edit.html", {
        "kind": kind, "language": language, "current": current, "form": form,
        "language_names": LANGUAGE_NAMES, "languages": LANGUAGES,
        "example_variable": "{{ reference }}", "example_tag": "{% if %}…{% endif %}",
        "preview": email_template_preview(kind=kind, language=language, subject=subject,
                                          body=body),
        "other_language": other,
        "other_preview": email_template_preview(kind=kind, language=other,
                                                subject=other_text.subject,
                                                body=other_text.body),
    })


@settings_page(SECTION)
@require_POST
def template_preview(request: HttpRequest, key: str, language: str) -> HttpResponse:
    """The preview panel for the text being typed (htmx, as the admin types)."""
    kind = _kind(key, language)
    preview = email_template_preview(kind=kind, language=language,
                                     subject=request.POST.get("subject", ""),
                                     body=request.POST.get("body", ""))
    return render(request, "configuration/_email_preview.html",
                  {"preview": preview, "language": language, "panel": "preview",
                   "language_names": LANGUAGE_NAMES})


@settings_page(SECTION)
@require_POST
def template_reset(request: HttpRequest, key: str, language: str) -> HttpResponse:
    kind = _kind(key, language)
    if email_template_reset(kind=kind, language=language):
        _audit(request, key, language, "reset")
    messages.success(request, _("“%(title)s” (%(language)s) is back to the built-in text.")
                     % {"title": kind.title, "language": LANGUAGE_NAMES[language]})
    return redirect("settings:email_template_edit", key=key, language=language)
