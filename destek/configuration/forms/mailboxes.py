"""Settings → Mailboxes: the forms, in plain words. What the poller keeps for itself (UIDVALIDITY,
the last UID, the tokens) is never shown; the password is never sent back to the browser."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import Department
from destek.configuration.forms.styling import StyledForm
from destek.mail import oauth
from destek.mail.models import Mailbox, OAuthApp
from destek.mail.password_field import KeepsStoredPassword


class MailboxForm(KeepsStoredPassword, StyledForm, forms.ModelForm):
    # Never sent back to the browser; left empty, the stored password is kept.
    imap_password = forms.CharField(
        label=_("Password"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = Mailbox
        fields = ["address", "name", "department", "is_active", "from_name", "signature",
                  "sender_policy", "imap_host", "imap_port", "imap_security", "imap_auth",
                  "oauth_provider", "imap_username", "imap_password", "imap_folder",
                  "imap_archive_folder"]
        labels = {
            "address": _("Email address"),
            "name": _("Name shown to agents"),
            "is_active": _("Receive and send mail with this mailbox"),
            "from_name": _("Sender name"),
            "sender_policy": _("Mail from unknown senders"),
            "imap_host": _("Incoming mail server (IMAP)"),
            "imap_port": _("Port"),
            "imap_security": _("Security"),
            "imap_auth": _("Sign-in method"),
            "oauth_provider": _("Provider"),
            "imap_username": _("User name"),
            "imap_folder": _("Folder to read"),
            "imap_archive_folder": _("Move read mail to folder"),
        }
        help_texts = {
            "from_name": _("The name customers see in the From line."),
            "signature": _("Added under every email sent from this mailbox."),
            "imap_host": _("Empty: mail reaches this address another way (the SMTP receiver, "
                           "a pipe or a provider webhook)."),
            "imap_port": _("993 for SSL/TLS, 143 for STARTTLS or none."),
            "imap_auth": _("OAuth2: Google Workspace or Microsoft 365 sign-in, no password "
                           "stored."),
            "imap_username": _("Usually the full email address."),
            "imap_archive_folder": _("Empty: leave messages in place and flag them."),
        }
        widgets = {"signature": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)
        department.queryset = Department.objects.order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uses_oauth = data.get("imap_auth") == "oauth2"
        provider = data.get("oauth_provider") or ""
        if uses_oauth and not provider:
            self.add_error("oauth_provider", _("Choose the provider to sign in with."))
        if uses_oauth and provider in oauth.PROVIDERS and not data.get("imap_host"):
            # The provider's own server, as its documentation gives it.
            preset = oauth.PROVIDERS[provider]
            data["imap_host"], data["imap_port"] = preset.imap_host, preset.imap_port
            data["imap_security"] = "ssl"
        if data.get("imap_host") and not data.get("imap_username"):
            self.add_error("imap_username", _("The server needs a user name."))
        if data.get("imap_host") and not uses_oauth and not data.get("imap_password"):
            self.add_error("imap_password", _("The server needs a password."))
        if not uses_oauth:
            data["oauth_provider"] = ""
        return data


class OAuthAppForm(StyledForm, forms.ModelForm):
    client_secret = forms.CharField(
        label=_("Client secret"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the current secret."),
    )
    authorize_url = forms.URLField(
        label=_("authorization endpoint"), max_length=500, assume_scheme="https",
        help_text=_("The provider's; change only for a private tenant."))
    token_url = forms.URLField(
        label=_("token endpoint"), max_length=500, assume_scheme="https",
        help_text=_("The provider's; change only for a private tenant."))

    class Meta:
        model = OAuthApp
        fields = ["client_id", "authorize_url", "token_url"]
        labels = {"client_id": _("Client ID")}


    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("client_secret") and not self.instance.sealed_client_secret:
            self.add_error("client_secret", _("Enter the client secret the provider gave."))
        return data

    def save(self, commit: bool = True) -> OAuthApp:
        app = super().save(commit=False)
        if self.cleaned_data.get("client_secret"):
            oauth.set_client_secret(app, self.cleaned_data["client_secret"])
        if commit:
            app.save()
        return app


def oauth_app_for(provider: str) -> OAuthApp:
    """The saved app for `provider`, or a new one with the provider's endpoints."""
    app = OAuthApp.objects.filter(provider=provider).first()
    if app is not None:
        return app
    preset = oauth.PROVIDERS[provider]
    return OAuthApp(provider=provider, authorize_url=preset.authorize_url,
                    token_url=preset.token_url)
