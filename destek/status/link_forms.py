"""The forms of incidents and tickets: a reply to every linked ticket, and linking one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.status.linked_replies import MAX_BODY


class LinkedReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=MAX_BODY,
                           widget=forms.Textarea(attrs={"rows": 4}))
    # Generated with the page: the same form posted twice sends nothing twice.
    token = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class TicketIncidentForm(forms.Form):
    incident = forms.IntegerField(label=_("Incident"), min_value=1)
