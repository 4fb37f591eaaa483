"""Settings → Branding: the name, the primary colour, the logo and the favicon."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.branding.colors import clean_color
from destek.branding.images import Image, check_image
from destek.branding.services import KEEP, ImageChange


class BrandingForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=60, required=False,
        help_text=_("Shown in the navigation bar, page titles, emails and the chat widget. "
                    "Empty: Destek."))
    primary_color = forms.CharField(
        label=_("Primary colour"), max_length=7, required=False,
        help_text=_("Buttons, links and the chat widget. A hexadecimal colour such as #0a58ca, "
                    "dark enough for white text. Empty: the standard blue."),
        widget=forms.TextInput(attrs={"placeholder": "#0a58ca", "spellcheck": "false"}))
    logo = forms.FileField(
        label=_("Logo"), required=False,
        help_text=_("PNG, JPEG, GIF or WebP, at most 512 KB; shown beside the name."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,"
                                                         "image/webp"}))
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    favicon = forms.FileField(
        label=_("Favicon"), required=False,
        help_text=_("The icon of the browser tab: PNG or ICO, at most 128 KB."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/x-icon,"
                                                         "image/vnd.microsoft.icon"}))
    remove_favicon = forms.BooleanField(label=_("Remove the favicon"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name.startswith("remove_"):
                field.widget.attrs["class"] = "form-check-input"
            else:
                field.widget.attrs["class"] = "form-control"
            field.widget.attrs["data-testid"] = f"branding-{name}"

    def clean_name(self) -> str:
        return " ".join(str(self.cleaned_data.get("name") or "").split())

    def clean_primary_color(self) -> str:
        return clean_color(str(self.cleaned_data.get("primary_color") or ""))

    def clean_logo(self) -> Image | None:
        upload = self.cleaned_data.get("logo")
        return check_image(upload) if upload else None

    def clean_favicon(self) -> Image | None:
        upload = self.cleaned_data.get("favicon")
        return check_image(upload, favicon=True) if upload else None

    def image_change(self, field: str) -> ImageChange:
        image = self.cleaned_data.get(field)
        if image is not None:
            return ImageChange(image=image)
        if self.cleaned_data.get(f"remove_{field}"):
            return ImageChange(remove=True)
        return KEEP
