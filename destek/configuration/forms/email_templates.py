"""Settings → Email templates: the text of one email in one language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.configuration.forms.styling import StyledForm


class EmailTemplateForm(StyledForm, forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(label=_("Text"), strip=False,
                           widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs["class"] += " font-monospace"
