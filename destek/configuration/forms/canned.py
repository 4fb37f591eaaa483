"""Settings → Canned responses: one saved reply."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import STAFF_ROLES, Department, User
from destek.accounts.scope import colleagues_for, departments_for
from destek.tickets.macros import is_macro
from destek.tickets.models import CannedResponse, Priority, Status
from destek.tickets.services.canned import CannedResponseInput
from destek.tickets.services.changes import parse_tags

MAX_ASSIGNEES = 500


def _assignee_choices(actor: User | None) -> list[tuple[str, Any]]:
    """Everyone on the staff for supervisors; for an agent, whom the desk lets them hand
    work to (destek.accounts.scope)."""
    staff_qs = (User.objects.filter(role__in=STAFF_ROLES, is_active=True)
                if actor is None or actor.may_configure else colleagues_for(actor))
    staff = staff_qs.order_by(
        "full_name", "email", "pk").values_list("pk", "full_name", "email")[:MAX_ASSIGNEES]
    return [("", _("Unchanged")), ("me", _("The agent applying it")),
            ("none", _("Nobody (unassign)")),
            *((str(pk), name or email) for pk, name, email in staff)]


class CannedResponseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120,
                            help_text=_("What agents pick from the list."))
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}),
                           max_length=20000, required=False,
                           help_text=_("A macro may have no text: it then only acts."))
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
    # A macro: what applying it does besides the reply (destek.tickets.macros).
    set_status = forms.ChoiceField(
        label=_("Set the status"), required=False,
        choices=[("", _("Unchanged")), *Status.choices],
        help_text=_("Sent with the reply, or set alone when there is no text."))
    set_priority = forms.TypedChoiceField(
        label=_("Set the priority"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Unchanged")), *Priority.choices])
    add_tags = forms.CharField(label=_("Add tags"), required=False, max_length=300,
                               help_text=_("Separated by commas."))
    remove_tags = forms.CharField(label=_("Remove tags"), required=False, max_length=300,
                                  help_text=_("Separated by commas."))
    set_assignee = forms.ChoiceField(label=_("Set the assignee"), required=False)
    note = forms.CharField(
        label=_("Internal note"), required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Added for agents only; the placeholders work here too."))

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["set_assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _assignee_choices(actor)
        if actor is not None and not actor.may_configure:
            # An agent's responses are their own: always personal, in their departments.
            del self.fields["personal"]
            department = self.fields["department"]
            assert isinstance(department, forms.ModelChoiceField)
            department.queryset = departments_for(actor).order_by("name")
        for name, field in self.fields.items():
            css = {"personal": "form-check-input", "language": "form-select",
                   "department": "form-select", "set_status": "form-select",
                   "set_priority": "form-select",
                   "set_assignee": "form-select"}.get(name, "form-control")
            field.widget.attrs["class"] = css
            field.widget.attrs["data-testid"] = f"canned-{name}"

    def clean_title(self) -> str:
        title = " ".join(str(self.cleaned_data.get("title") or "").split())
        if not title:
            raise forms.ValidationError(_("Give the response a title."))
        return title

    def clean_body(self) -> str:
        return str(self.cleaned_data.get("body") or "").replace("\r\n", "\n").strip()

    def clean_note(self) -> str:
        return str(self.cleaned_data.get("note") or "").replace("\r\n", "\n").strip()

    def clean_add_tags(self) -> str:
        return ", ".join(parse_tags(str(self.cleaned_data.get("add_tags") or "")))

    def clean_remove_tags(self) -> str:
        return ", ".join(parse_tags(str(self.cleaned_data.get("remove_tags") or "")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "body" in data and not data["body"] and not is_macro(self._value(data)):
            self.add_error("body", _("Write the text of the response, or give it an action."))
        return data

    @staticmethod
    def initial_for(canned: CannedResponse) -> dict[str, Any]:
        return {"title": canned.title, "body": canned.body, "language": canned.language,
                "department": canned.department_id, "personal": canned.owner_id is not None,
                "set_status": canned.set_status, "set_priority": canned.set_priority,
                "add_tags": canned.add_tags, "remove_tags": canned.remove_tags,
                "set_assignee": canned.set_assignee, "note": canned.note}

    @staticmethod
    def _value(data: dict[str, Any]) -> CannedResponseInput:
        return CannedResponseInput(
            title=data.get("title") or "", body=data.get("body") or "",
            language=data.get("language") or "", department=data.get("department"),
            personal=bool(data.get("personal")), set_status=data.get("set_status") or "",
            set_priority=data.get("set_priority"), add_tags=data.get("add_tags") or "",
            remove_tags=data.get("remove_tags") or "",
            set_assignee=data.get("set_assignee") or "", note=data.get("note") or "")

    def value(self) -> CannedResponseInput:
        return self._value(self.cleaned_data)
