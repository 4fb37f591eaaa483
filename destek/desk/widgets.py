"""Form widgets that print their HTML in Python instead of through the form renderer.

Django renders every widget through templates, and a `<select>` through one template per
`<option>`: the ticket page's four selects (about forty options) cost more than the rest of
the page. These produce the same markup as Django's `select.html` / `input.html` (same
attributes, in the same order, escaped the same way) without a template per option.
Only flat choices are supported (no option groups), which is all the desk uses.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def attributes(attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/attrs.html: in order, True as a bare name, False left out."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items() if value is not False and value is not None
    )


class FastSelect(forms.Select):
    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None,
               renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        options = []
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            selected = " selected" if text in chosen else ""
            options.append(f'<option value="{escape(text)}"{selected}>{escape(label)}</option>')
            if selected and not self.allow_multiple_selected:
                chosen = set()  # as Django: only the first matching option is selected
        return mark_safe(  # the name, every attribute and every option are escaped
            f'<select name="{escape(name)}"{attributes(final)}>{"".join(options)}</select>')


class FastTextInput(forms.TextInput):
    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None,
               renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        formatted = self.format_value(value)
        shown = "" if formatted is None else f' value="{escape(formatted)}"'
        return mark_safe(  # type, name, value and every attribute are escaped
            f'<input type="{escape(self.input_type)}" name="{escape(name)}"{shown}'
            f"{attributes(final)}>")
