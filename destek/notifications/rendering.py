"""Rendering a notification in one language: the admin's EmailTemplate, else the shipped file.

Shipped templates live in templates/notifications/<key>.<lang>.subject.txt and
<key>.<lang>.txt. Emails are plain text, so rendering runs with autoescape off; the HTML
alternative is derived from the rendered text and escaped (destek.notifications.compose).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import Context, Engine, Template

from destek.notifications.models import EmailTemplate, TemplateLanguage

logger = logging.getLogger(__name__)

SUPPORTED_LANGUAGES = tuple(TemplateLanguage.values)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def email_language(language: str | None) -> str:
    """The recipient's language if we ship it, else the site's, else English."""
    for candidate in (language, settings.LANGUAGE_CODE):
        code = (candidate or "").lower()[:2]
        if code in SUPPORTED_LANGUAGES:
            return code
    return "en"


def _render(template: Template, context: Mapping[str, Any]) -> str:
    return template.render(Context(dict(context), autoescape=False))


def _clean_subject(text: str) -> str:
    """One line, no stray whitespace: a newline in a header would be refused anyway."""
    return " ".join(text.split())


def _from_file(key: str, language: str, context: Mapping[str, Any]) -> Rendered:
    engine = Engine.get_default()
    subject = engine.get_template(f"notifications/{key}.{language}.subject.txt")
    body = engine.get_template(f"notifications/{key}.{language}.txt")
    return Rendered(subject=_clean_subject(_render(subject, context)),
                    body=_render(body, context).strip() + "\n")


def shipped_source(*, key: str, language: str) -> Rendered:
    """The shipped template's text for `key` in `language` (unrendered): what an admin's
    edit starts from and what "reset to default" goes back to."""
    engine = Engine.get_default()
    subject = engine.find_template(f"notifications/{key}.{language}.subject.txt")[0]
    body = engine.find_template(f"notifications/{key}.{language}.txt")[0]
    return Rendered(subject=subject.source.strip(), body=body.source.strip() + "\n")


def render_source(*, subject: str, body: str, context: Mapping[str, Any]) -> Rendered:
    """An admin's template text rendered as the worker renders it (autoescape off, one-line
    subject). Raises TemplateSyntaxError and whatever rendering raises."""
    return Rendered(subject=_clean_subject(_render(Template(subject), context)),
                    body=_render(Template(body), context).strip() + "\n")


def render_notification(*, key: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """Subject and text body for `key` in `language` (call inside translation.override)."""
    language = email_language(language)
    override = EmailTemplate.objects.filter(key=key, language=language).first()
    if override is not None:
        try:
            return render_source(subject=override.subject, body=override.body,
                                 context=context)
        except Exception:
            # A broken admin edit must never block ticket intake: fall back to the shipped
            # template and say so in the log.
            logger.exception("Email template %s/%s is broken; using the shipped one",
                             key, language)
    return _from_file(key, language, context)
