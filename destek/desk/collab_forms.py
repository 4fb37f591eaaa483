"""Forms of the ticket's split, link and follow controls: they parse; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import Department
from destek.desk.choices import DepartmentOption
from destek.desk.filters import parse_id
from destek.desk.forms import department_choices, style
from destek.desk.widgets import FastSelect, FastTextInput
from destek.tickets.models import parse_reference


class SplitForm(forms.Form):
    subject = forms.CharField(label=_("Subject of the new ticket"), max_length=250,
                              widget=FastTextInput)
    department = forms.ChoiceField(label=_("Department"), widget=FastSelect)

    def __init__(self, *args: Any, departments: Sequence[Department | DepartmentOption],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.departments = departments
        self.fields["department"].choices = department_choices(departments)  # type: ignore[attr-defined]
        style(self, "split")

    def clean_department(self) -> Department | DepartmentOption:
        pk = parse_id(self.cleaned_data["department"])
        found = next((d for d in self.departments if d.pk == pk), None)
        if found is None:
            raise ValidationError(_("Choose a valid department."))
        return found


def selected_message_ids(values: list[str], limit: int = 201) -> list[int]:
    """The checked messages (`message` checkboxes), as ids, at most `limit`."""
    return list(dict.fromkeys(pk for pk in (parse_id(v) for v in values[:limit]) if pk))


class LinkForm(forms.Form):
    reference = forms.CharField(label=_("Link to ticket"), max_length=30,
                                widget=FastTextInput(attrs={"placeholder": "T-100042"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=200,
                           widget=FastTextInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self, "link")

    def clean_reference(self) -> int:
        pk = parse_reference(self.cleaned_data["reference"])
        if pk is None:
            raise ValidationError(_("Enter a ticket number such as T-100042."))
        return pk
