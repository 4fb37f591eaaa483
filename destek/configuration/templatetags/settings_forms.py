"""Labels for Settings' forms: the first letter capitalised as the active language does it
(Turkish "ilk yanıt" is "İlk yanıt", where Django's capfirst says "Ilk")."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def label_case(text: object) -> str:
    text = str(text)
    if not text:
        return text
    first = text[0]
    if (get_language() or "").startswith(("tr", "az")):
        first = {"i": "İ", "ı": "I"}.get(first, first.upper())
    else:
        first = first.upper()
    return first + text[1:]
