"""The admin's versions of the notification templates (Settings → Email templates): what each
email says now, saving an edit, going back to the shipped text, and a preview rendered with
sample values exactly as the delivery worker renders (destek.notifications.rendering)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import translation

from destek.notifications.catalog import KINDS, EmailKind, sample_context
from destek.notifications.models import EmailTemplate, TemplateLanguage
from destek.notifications.rendering import Rendered, render_source, shipped_source

LANGUAGES = tuple(TemplateLanguage.values)


@dataclass(frozen=True)
class TemplateText:
    """One email in one language as it is sent now."""

    kind: EmailKind
    language: str
    subject: str
    body: str
    customised: bool


def email_template_list() -> list[tuple[EmailKind, list[TemplateText]]]:
    """Every email kind with its text in each language (one query)."""
    overrides = {(t.key, t.language): t for t in EmailTemplate.objects.all()}
    rows = []
    for kind in KINDS:
        rows.append((kind, [email_template_text(kind=kind, language=language,
                                                override=overrides.get((kind.key, language)))
                            for language in LANGUAGES]))
    return rows


def email_template_text(*, kind: EmailKind, language: str,
                        override: EmailTemplate | None = None) -> TemplateText:
    if override is not None:
        return TemplateText(kind, language, override.subject, override.body, customised=True)
    shipped = shipped_source(key=kind.key, language=language)
    return TemplateText(kind, language, shipped.subject, shipped.body, customised=False)


def email_template_get(*, kind: EmailKind, language: str) -> TemplateText:
    override = EmailTemplate.objects.filter(key=kind.key, language=language).first()
    return email_template_text(kind=kind, language=language, override=override)


@dataclass(frozen=True)
class Preview:
    rendered: Rendered | None
    error: str = ""


def email_template_preview(*, kind: EmailKind, language: str, subject: str,
                           body: str) -> Preview:
    """The text rendered with sample values in `language`, or why it cannot be."""
    with translation.override(language):
        try:
            return Preview(render_source(subject=subject, body=body,
                                         context=sample_context(kind.key)))
        except Exception as error:  # a syntax error or a failing filter: shown, not raised
            return Preview(None, error=str(error))


def email_template_save(*, kind: EmailKind, language: str, subject: str,
                        body: str) -> tuple[EmailTemplate | None, bool]:
    """Store the admin's text; a text equal to the shipped one removes the override (the email
    keeps following the shipped file). Returns the row (None: back to the default) and
    whether anything changed. Raises ValidationError for a template that does not render."""
    preview = email_template_preview(kind=kind, language=language, subject=subject, body=body)
    if preview.error:
        raise ValidationError(preview.error)
    shipped = shipped_source(key=kind.key, language=language)
    current = EmailTemplate.objects.filter(key=kind.key, language=language).first()
    if subject.strip() == shipped.subject and body.strip() == shipped.body.strip():
        if current is None:
            return None, False
        current.delete()
        return None, True
    if current is None:
        return EmailTemplate.objects.create(key=kind.key, language=language,
                                            subject=subject.strip(), body=body), True
    changed = current.subject != subject.strip() or current.body != body
    if changed:
        current.subject, current.body = subject.strip(), body
        current.full_clean()
        current.save(update_fields=["subject", "body", "updated_at"])
    return current, changed


def email_template_reset(*, kind: EmailKind, language: str) -> bool:
    """Back to the shipped text; True when there was an override."""
    deleted, _rows = EmailTemplate.objects.filter(key=kind.key, language=language).delete()
    return bool(deleted)
