"""Settings → Webhooks: the endpoint's form. Its cleaned data are the model's fields (name,
kind, url, events, is_active), as `destek.webhooks.services` takes them; the secret is never
a field: Destek makes it and shows it once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.configuration.forms.styling import StyledForm
from destek.webhooks.models import EndpointKind, EventType


def subscribable_events() -> list[tuple[str, Any]]:
    """Every event type but the test event, which only "Send a test event" sends."""
    return [(value, label) for value, label in EventType.choices if value != EventType.TEST]


class EndpointForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120,
                           help_text=_("For you: e.g. “Billing system” or “#support on Slack”."))
    kind = forms.ChoiceField(label=_("Kind"), choices=EndpointKind.choices,
                             initial=EndpointKind.WEBHOOK)
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=_("Where Destek sends the events: your receiver's address, or "
                                     "the chat room's incoming webhook URL."))
    events = forms.MultipleChoiceField(
        label=_("Events"), required=False, choices=subscribable_events,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A chat room may subscribe to none: triggers can still post to it."))
    is_active = forms.BooleanField(label=_("Active: send events to this URL"), required=False,
                                   initial=True)

    @classmethod
    def initial_for(cls, endpoint: Any) -> dict[str, Any]:
        return {"name": endpoint.name, "kind": endpoint.kind, "url": endpoint.url,
                "events": list(endpoint.events), "is_active": endpoint.is_active}

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Give an http:// or https:// address."))
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == EndpointKind.WEBHOOK and not data.get("events"):
            self.add_error("events", _("Choose at least one event for a webhook."))
        return data

    def changed_fields(self, endpoint: Any) -> dict[str, Any]:
        """Only what differs from the stored endpoint (the service's keyword arguments)."""
        current = self.initial_for(endpoint)
        return {name: value for name, value in self.cleaned_data.items()
                if value != current[name]}
