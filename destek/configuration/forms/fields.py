"""Pickers Settings' forms share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language

from destek.accounts.models import Department


class DepartmentsField(forms.ModelMultipleChoiceField):
    """Departments ticked, named in the reader's language."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Department.objects.all())
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.localized_name(get_language()))
