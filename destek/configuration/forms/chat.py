"""Settings → Live chat: allowed websites, chat hours, the greeting."""

from __future__ import annotations

from datetime import time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from destek.livechat.chat_settings import WEEKDAYS
from destek.livechat.models import ChatHours, ChatSettings

MAX_ORIGINS = 50
DAY_NAMES = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
             _("Saturday"), _("Sunday"))


def clean_origin(line: str) -> str:
    """'https://www.example.com' from what people paste: a bare host (https assumed), or a
    page's address (its path dropped). Only http(s), a host, and maybe a port."""
    value = line.strip()
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or "*" in value or parts.username or parts.password):
        raise forms.ValidationError(
            _("“%(value)s” is not a website address such as https://www.example.com.")
            % {"value": line.strip()})
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    scheme = parts.scheme.lower()
    # The browser's Origin leaves the scheme's own port out: so must the list.
    default_port = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port and port != default_port else "")


class ChatSettingsForm(forms.Form):
    allowed_origins = forms.CharField(
        label=_("Websites that may show the chat"), required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false",
                                     "placeholder": "https://www.example.com"}),
        help_text=_("One website per line, such as https://www.example.com. The widget works "
                    "only on these websites (and on this site's own pages)."))
    hours = forms.ChoiceField(label=_("Chat hours"), choices=ChatHours.choices,
                              widget=forms.RadioSelect)
    time_zone = forms.ChoiceField(label=_("Time zone of the hours"), required=False)
    greeting_en = forms.CharField(
        label=_("Greeting in English"), max_length=300, required=False,
        help_text=_("Shown above the form a visitor starts a chat with."))
    greeting_tr = forms.CharField(label=_("Greeting in Turkish"), max_length=300,
                                  required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = self.fields["time_zone"]
        assert isinstance(zones, forms.ChoiceField)
        zones.choices = [(z, z) for z in sorted(available_timezones())]
        for day in WEEKDAYS:
            self.fields[f"day{day}_open"] = forms.BooleanField(
                label=DAY_NAMES[day], required=False)
            self.fields[f"day{day}_start"] = forms.TimeField(
                label=pgettext_lazy("opening hours", "From"), required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
            self.fields[f"day{day}_end"] = forms.TimeField(
                label=pgettext_lazy("opening hours", "Until"), required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
        for name, field in self.fields.items():
            if name.endswith("_open"):
                css = "form-check-input"
            elif name in ("time_zone",):
                css = "form-select"
            elif name == "hours":
                css = "form-check-input"
            else:
                css = "form-control"
            field.widget.attrs["class"] = css
            field.widget.attrs["data-testid"] = f"chat-{name}"

    def days(self) -> list[tuple[Any, Any, Any]]:
        """(open, from, until) bound fields per weekday, for the template's table."""
        return [(self[f"day{d}_open"], self[f"day{d}_start"], self[f"day{d}_end"])
                for d in WEEKDAYS]

    @staticmethod
    def initial_for(row: ChatSettings) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "allowed_origins": "\n".join(row.allowed_origins), "hours": row.hours,
            "time_zone": row.time_zone or settings.TIME_ZONE,
            "greeting_en": row.greeting_en, "greeting_tr": row.greeting_tr,
        }
        for day in WEEKDAYS:
            span = row.weekly_hours.get(str(day))
            initial[f"day{day}_open"] = bool(span)
            start, end = span if span else ("09:00", "18:00")
            initial[f"day{day}_start"] = time.fromisoformat(start)
            initial[f"day{day}_end"] = time.fromisoformat(end)
        return initial

    def clean_allowed_origins(self) -> list[str]:
        lines = [line for line in str(self.cleaned_data.get("allowed_origins") or "")
                 .splitlines() if line.strip()]
        if len(lines) > MAX_ORIGINS:
            raise forms.ValidationError(_("At most %(count)d websites can be listed.")
                                        % {"count": MAX_ORIGINS})
        errors, origins = [], []
        for line in lines:
            try:
                origins.append(clean_origin(line))
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return list(dict.fromkeys(origins))

    def clean_greeting_en(self) -> str:
        return " ".join(str(self.cleaned_data.get("greeting_en") or "").split())

    def clean_greeting_tr(self) -> str:
        return " ".join(str(self.cleaned_data.get("greeting_tr") or "").split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weekly: dict[str, list[str]] = {}
        for day in WEEKDAYS:
            if not data.get(f"day{day}_open"):
                continue
            start, end = data.get(f"day{day}_start"), data.get(f"day{day}_end")
            if start is None or end is None:
                self.add_error(f"day{day}_start",
                               _("Give the hours of %(day)s.") % {"day": DAY_NAMES[day]})
                continue
            if end != time(0) and end <= start:
                self.add_error(f"day{day}_end", _("On %(day)s, “until” must come after "
                                                  "“from”.") % {"day": DAY_NAMES[day]})
                continue
            weekly[str(day)] = [start.strftime("%H:%M"), end.strftime("%H:%M")]
        if data.get("hours") == ChatHours.WEEKLY and not weekly and not self.errors:
            self.add_error("hours", _("Tick at least one day, or choose other chat hours."))
        data["weekly_hours"] = weekly
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"allowed_origins": data["allowed_origins"], "hours": data["hours"],
                "weekly_hours": data["weekly_hours"],
                "time_zone": data["time_zone"] or settings.TIME_ZONE,
                "greeting_en": data["greeting_en"], "greeting_tr": data["greeting_tr"]}
