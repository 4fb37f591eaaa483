from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "destek.accounts"
    label = "accounts"
    verbose_name = _("People and access")

    def ready(self) -> None:
        # allauth's MFA model names nothing translatably: the admin (superusers) read
        # "Authenticators" and "Type" in Turkish too.
        from allauth.mfa.models import Authenticator

        from destek.core.compat import set_model_labels

        set_model_labels(Authenticator, verbose_name=_("authenticator"),
                         verbose_name_plural=_("authenticators"),
                         field_labels={"user": _("user"), "type": _("type"), "data": _("data"),
                                       "created_at": _("created"),
                                       "last_used_at": _("last used")})
