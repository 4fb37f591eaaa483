"""The desk's look on a Django form: Bootstrap classes on each widget, and the invalid mark
on fields with errors (the templates render checkbox lists themselves)."""

from __future__ import annotations

from django import forms

BOOTSTRAP = frozenset({"form-control", "form-select", "form-check-input", "is-invalid"})


def styled(form: forms.BaseForm, *, cleaned: bool = False) -> forms.BaseForm:
    """Bootstrap's class for each widget, keeping any other class a form gave it."""
    errors = form.errors if cleaned else {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        if name in errors:
            css += " is-invalid"
        others = [c for c in widget.attrs.get("class", "").split() if c not in BOOTSTRAP]
        widget.attrs["class"] = " ".join([css, *others])
    return form


class StyledForm:
    """Mixed in first: the classes are set once the form knows its errors."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        styled(self, cleaned=True)  # type: ignore[arg-type]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        styled(self)  # type: ignore[arg-type]
