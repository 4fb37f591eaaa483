"""The mailbox password in a form (the admin's and Settings'): never sent back to the browser,
left empty to keep the stored one, sealed by the model (Mailbox.imap_password)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.core.sealing import Unreadable
from destek.mail.models import Mailbox


class KeepsStoredPassword:
    """Mixed into a ModelForm of Mailbox that declares an `imap_password` field."""

    instance: Mailbox
    cleaned_data: dict[str, object]

    def save(self, commit: bool = True) -> Mailbox:
        self.instance.imap_password = str(self.cleaned_data.get("imap_password") or "")
        return super().save(commit)  # type: ignore[misc]

    def clean_imap_password(self) -> str:
        password = str(self.cleaned_data.get("imap_password") or "")
        if not password and self.instance.pk:
            try:
                return self.instance.imap_password
            except Unreadable:
                raise forms.ValidationError(_(
                    "The stored password cannot be read any more (the secret key changed): "
                    "enter it again.")) from None
        return password
