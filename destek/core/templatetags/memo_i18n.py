"""`{% translate %}` that remembers its answer per language, and the rest of Django's i18n tags.

A template builtin (settings.TEMPLATES), so templates need no `{% load %}` for it; it also
answers to `{% load i18n %}` (TEMPLATES "libraries"), so a template that loads i18n by
habit, or Django's own (the admin), cannot swap Django's slower tag back in.

Django's `{% translate "Status" %}` looks the message up in the catalog every time it is
printed; a desk page prints about 90 of them, a tenth of its CPU. The catalogs do not change
while a process runs and compiled templates are kept (the cached loader), so a constant
message — a literal, no filters, a literal context or none — is looked up once per language
and escaping mode for the life of the node. Anything else is Django's node, unchanged.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, Variable
from django.templatetags import i18n
from django.utils import translation

register = template.Library()
# Every tag and filter of `{% load i18n %}`; translate/trans are replaced below.
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)


def _constant(expression: FilterExpression | None) -> bool:
    if expression is None:
        return True
    if expression.filters:
        return False
    var = expression.var
    return isinstance(var, str) or (isinstance(var, Variable) and var.literal is not None)


class MemoTranslateNode(i18n.TranslateNode):
    def __init__(self, node: i18n.TranslateNode) -> None:
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        self.constant = _constant(self.filter_expression) and _constant(self.message_context)
        self.memo: dict[tuple[str | None, bool], str] = {}

    def render(self, context: Any) -> str:
        if not self.constant:
            return super().render(context)
        key = (translation.get_language(), bool(context.autoescape))
        value = self.memo.get(key)
        if value is None:
            output = super().render(context)
            value = context[self.asvar] if self.asvar else output
            self.memo[key] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: Any, token: Any) -> MemoTranslateNode:
    return MemoTranslateNode(i18n.do_translate(parser, token))
