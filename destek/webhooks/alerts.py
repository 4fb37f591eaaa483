"""The email to the admins when an endpoint is disabled for failing (once per disabling)."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from destek.accounts.models import Role, User
from destek.notifications.compose import AddressNotice
from destek.notifications.notify import notify_address
from destek.notifications.rendering import email_language
from destek.webhooks.models import Endpoint

KIND = "webhook_disabled"


def settings_url() -> str:
    try:
        path = reverse("settings:webhooks")
    except NoReverseMatch:  # the Settings page is another part's: its documented path
        path = "/desk/settings/webhooks/"
    return f"{settings.BASE_URL.rstrip('/')}{path}"


def endpoint_disabled(endpoint: Endpoint) -> None:
    """Queue one email per active admin, in the caller's transaction (the one that disabled
    the endpoint); the key names the disabling, so a retried transaction adds nothing."""
    stamp = endpoint.disabled_at.isoformat() if endpoint.disabled_at else ""
    admins = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk")
    for admin in admins:
        notice = AddressNotice(
            key=KIND, to=[admin.email], language=email_language(admin.language),
            context={"recipient_name": admin.display_name, "endpoint_name": endpoint.name,
                     "endpoint_url": endpoint.url, "failures": endpoint.consecutive_failures,
                     "settings_url": settings_url(),
                     "site_name": getattr(settings, "DESTEK_SITE_NAME", "Destek")},
            headers={"Auto-Submitted": "auto-generated"})
        notify_address(notice=notice, kind=KIND,
                       idempotency_key=f"webhook-disabled:{endpoint.pk}:{stamp}:{admin.pk}")
