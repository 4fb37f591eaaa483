"""Forms of the knowledge base pages (input validation only; services do the work)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.kb.models import LANGUAGES, Audience, Category


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(),
                                      required=False, to_field_name="slug",
                                      empty_label=_("All categories"))
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", _("All languages")), *LANGUAGES])


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
    comment = forms.CharField(max_length=2000, required=False)


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(label=_("Address (slug)"), max_length=200, required=False,
                           help_text=_("Left empty, it is made from the title."))
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(),
                                      required=False)
    audience = forms.ChoiceField(label=_("Who may read it"), choices=Audience.choices)
    summary = forms.CharField(label=_("Summary"), max_length=300, required=False)
    is_faq = forms.BooleanField(label=_("Show in the FAQ"), required=False)
    body_markdown = forms.CharField(label=_("Body (Markdown)"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 18}))
    note = forms.CharField(label=_("What changed"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-check-input" if name == "is_faq" else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)


class PublishForm(forms.Form):
    publish_at = forms.DateTimeField(label=_("Publish at (empty: now)"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File or image"))
