"""Settings → Canned responses: one saved reply."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import Department
from destek.tickets.models import CannedResponse
from destek.tickets.services.canned import CannedResponseInput


class CannedResponseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120,
                            help_text=_("What agents pick from the list."))
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}),
                           max_length=20000)
    language = forms.ChoiceField(
        label=_("Language"), required=False,
        choices=[("", _("Any")), ("en", "English"), ("tr", "Türkçe")],
        help_text=_("In the chat console, only responses in the agent's language or in any "
                    "language are listed."))
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.order_by("name"),
        empty_label=_("Every department"),
        help_text=_("Offered on the tickets of this department only."))
    personal = forms.BooleanField(
        label=_("Personal: only I see and use it"), required=False,
        help_text=_("Leave unticked to share it with every agent."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = {"personal": "form-check-input", "language": "form-select",
                   "department": "form-select"}.get(name, "form-control")
            field.widget.attrs["class"] = css
            field.widget.attrs["data-testid"] = f"canned-{name}"

    def clean_title(self) -> str:
        title = " ".join(str(self.cleaned_data.get("title") or "").split())
        if not title:
            raise forms.ValidationError(_("Give the response a title."))
        return title

    def clean_body(self) -> str:
        body = str(self.cleaned_data.get("body") or "").replace("\r\n", "\n").strip()
        if not body:
            raise forms.ValidationError(_("Write the text of the response."))
        return body

    @staticmethod
    def initial_for(canned: CannedResponse) -> dict[str, Any]:
        return {"title": canned.title, "body": canned.body, "language": canned.language,
                "department": canned.department_id, "personal": canned.owner_id is not None}

    def value(self) -> CannedResponseInput:
        data = self.cleaned_data
        return CannedResponseInput(title=data["title"], body=data["body"],
                                   language=data["language"] or "",
                                   department=data["department"],
                                   personal=bool(data["personal"]))
