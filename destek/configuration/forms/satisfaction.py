"""Settings → Satisfaction ratings: the scale, the change window, the links' validity."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.feedback.configure import MAX_CHANGE_WINDOW_DAYS, MAX_LINK_VALID_DAYS
from destek.feedback.models import FeedbackSettings, RatingScale


class SatisfactionSettingsForm(forms.Form):
    scale = forms.ChoiceField(
        label=_("Rating scale"), choices=RatingScale.choices, widget=forms.RadioSelect,
        help_text=_("Ratings already given keep the scale they were given on."))
    change_window_days = forms.IntegerField(
        label=_("A rating may be changed for (days)"), min_value=0,
        max_value=MAX_CHANGE_WINDOW_DAYS,
        help_text=_("Counted from the first answer; 0: a rating cannot be changed."),
        widget=forms.NumberInput(attrs={"class": "form-control"}))
    link_valid_days = forms.IntegerField(
        label=_("Rating links work for (days)"), min_value=1, max_value=MAX_LINK_VALID_DAYS,
        help_text=_("The one-click answers in the \u201cHow did we do?\u201d email."),
        widget=forms.NumberInput(attrs={"class": "form-control"}))

    @staticmethod
    def initial_for(row: FeedbackSettings) -> dict[str, Any]:
        return {"scale": row.scale, "change_window_days": row.change_window_days,
                "link_valid_days": row.link_valid_days}
