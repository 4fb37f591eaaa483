"""The Settings sidebar: the sections the signed-in person may open."""

from __future__ import annotations

from typing import Any

from django import template

from destek.configuration.sections import Section, sections_for

register = template.Library()


@register.simple_tag(takes_context=True)
def settings_sections(context: dict[str, Any]) -> list[Section]:
    return sections_for(context["request"].user)
