"""Subscribing to the status page: by email (double opt-in) or by a signed webhook.

Email: the form on the public page writes an unconfirmed `Subscription` and queues a
confirmation email through the outbox, with a signed link valid `CONFIRM_DAYS` days. Only
confirming it (a POST from the confirmation page) makes it live; it then replaces the
address's earlier email subscription, so nobody can change someone else's choice without
their mailbox. A signed-in customer subscribing with their own account's address needs no
confirmation (the account proved it) and the subscription is theirs (`Subscription.user`).
Every email the fan-out sends carries the unsubscribe link `/status/subscriptions/<token>/
unsubscribe`, which works in one click (a POST, also RFC 8058's List-Unsubscribe-Post).

Webhook: a signed-in customer or an admin registers a URL; its signing secret is shown once.
The fan-out (sfanout) POSTs JSON signed as `X-Destek-Signature: sha256=<hex HMAC-SHA256 of the
body with Subscription.secret>`.

The form is rate-limited per client IP and per address with allauth's limits
(ACCOUNT_RATE_LIMITS["status_subscribe"]), and answers the same whatever the address, so it
tells nobody who is subscribed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from allauth.core import ratelimit
from django import forms
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import User
from destek.branding.brand import site_name
from destek.core.errors import ApplicationError
from destek.notifications.compose import AUTOMATIC_HEADERS, AddressNotice
from destek.notifications.notify import notify_address
from destek.notifications.rendering import email_language
from destek.status.models import Component, Subscription, SubscriptionChannel

CONFIRM_DAYS = 3
CONFIRM_SALT = "destek.status.subscription.confirm"
CONFIRM_KIND = "status_subscription_confirm"
RATE_ACTION = "status_subscribe"
WEBHOOKS_SHOWN = 200  # the newest; a list bounded whoever looks


class ComponentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Component) -> str:
        return obj.localized_name(_page_language())


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    components = ComponentChoiceField(
        label=_("Components"), required=False, queryset=Component.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to hear about every component."))

    def __init__(self, *args: Any, components: Sequence[Component] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["components"]
        assert isinstance(field, ComponentChoiceField)
        field.queryset = Component.objects.filter(is_public=True)
        if components is not None:  # the page's list, already read: no query to render
            field.choices = [(c.pk, c.localized_name(_page_language())) for c in components]


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("Webhook URL"), max_length=500, assume_scheme="https",
                         help_text=_("An https address we POST signed JSON to."))
    components = ComponentChoiceField(
        label=_("Components"), required=False, queryset=Component.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to hear about every component."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["components"]
        assert isinstance(field, ComponentChoiceField)
        field.queryset = Component.objects.filter(is_public=True).order_by("position", "name")

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.lower().startswith("https://"):
            raise forms.ValidationError(_("Use an https address."))
        return url


def _page_language() -> str:
    return (get_language() or "en")[:2]


def _absolute(path: str) -> str:
    return f"{settings.BASE_URL.rstrip('/')}{path}"


def confirm_url(subscription: Subscription) -> str:
    signed = signing.dumps(subscription.token, salt=CONFIRM_SALT)
    return _absolute(reverse("status:subscription_confirm", args=[signed]))


def unsubscribe_url(subscription: Subscription) -> str:
    return _absolute(reverse("status:unsubscribe", args=[subscription.token]))


def subscription_from_signed(signed: str) -> Subscription:
    """The subscription a confirmation link names; ApplicationError when the link is
    forged, expired or its subscription is gone."""
    try:
        token = signing.loads(signed, salt=CONFIRM_SALT, max_age=CONFIRM_DAYS * 86400)
    except signing.SignatureExpired:
        raise ApplicationError(_t("This confirmation link has expired. Subscribe again "
                                  "to get a new one.")) from None
    except signing.BadSignature:
        raise ApplicationError(_t("This confirmation link is not valid.")) from None
    subscription = Subscription.objects.filter(token=token,
                                               channel=SubscriptionChannel.EMAIL).first()
    if subscription is None:
        raise ApplicationError(_t("This confirmation link is not valid."))
    return subscription


def subscribe_allowed(request: HttpRequest, *, email: str) -> bool:
    """Counts an attempt; False once the client or the address has used its allowance."""
    return ratelimit.consume(request, action=RATE_ACTION, key=email.lower())


def _send_confirmation(subscription: Subscription) -> None:
    language = email_language(subscription.language)
    notice = AddressNotice(
        key=CONFIRM_KIND, to=[subscription.email], language=language,
        context={"confirm_url": confirm_url(subscription), "days": CONFIRM_DAYS,
                 "site_name": site_name(),
                 "components": [c.localized_name(language)
                                for c in subscription.components.all()]},
        headers=dict(AUTOMATIC_HEADERS))
    key = f"status-subscription-confirm:{subscription.pk}:{timezone.now().isoformat()}"
    notify_address(notice=notice, kind=CONFIRM_KIND, idempotency_key=key)


@transaction.atomic
def email_subscribe(*, email: str, components: Sequence[Component], language: str,
                    user: User | None = None) -> Subscription:
    """Ask to subscribe `email`. From a signed-in customer for their own address it is live
    at once; otherwise a confirmation email is queued (again for a pending request of the
    same address, whose choice it replaces)."""
    email = email.strip()
    own = user is not None and user.is_authenticated and user.is_customer \
        and user.email.lower() == email.lower()
    if own:
        assert user is not None
        Subscription.objects.filter(channel=SubscriptionChannel.EMAIL, user=user).delete()
        subscription = Subscription.objects.create(
            channel=SubscriptionChannel.EMAIL, email=user.email, user=user,
            language=language, confirmed_at=timezone.now())
        subscription.components.set(components)
        return subscription
    pending = Subscription.objects.filter(
        channel=SubscriptionChannel.EMAIL, email__iexact=email, user=None,
        confirmed_at=None).order_by("-created_at").first()
    if pending is None:
        pending = Subscription.objects.create(channel=SubscriptionChannel.EMAIL,
                                              email=email, language=language)
    else:
        pending.language = language
        pending.save(update_fields=["language"])
    pending.components.set(components)
    _send_confirmation(pending)
    return pending


@transaction.atomic
def email_subscription_confirm(*, subscription: Subscription) -> Subscription:
    """Make a confirmed request the address's one email subscription (idempotent)."""
    if subscription.confirmed_at is not None:
        return subscription
    Subscription.objects.filter(channel=SubscriptionChannel.EMAIL, user=None,
                                email__iexact=subscription.email) \
        .exclude(pk=subscription.pk).delete()
    subscription.confirmed_at = timezone.now()
    subscription.save(update_fields=["confirmed_at"])
    return subscription


def unsubscribe(*, token: str) -> bool:
    """Remove the subscription `token` names; False when there is none (already gone)."""
    deleted, _rows = Subscription.objects.filter(token=token).delete()
    return bool(deleted)


@transaction.atomic
def webhook_subscribe(*, user: User, url: str,
                      components: Sequence[Component]) -> Subscription:
    """A live webhook subscription of `user` (customer or admin); its secret is shown once."""
    subscription = Subscription.objects.create(
        channel=SubscriptionChannel.WEBHOOK, user=user, webhook_url=url,
        language=email_language(user.language), confirmed_at=timezone.now())
    subscription.components.set(components)
    return subscription


def webhooks_of(user: User) -> list[Subscription]:
    """The webhook subscriptions `user` may see and remove: their own; an admin's, all."""
    rows = Subscription.objects.filter(channel=SubscriptionChannel.WEBHOOK) \
        .select_related("user").prefetch_related("components").order_by("-created_at")
    if not user.is_admin:
        rows = rows.filter(user=user)
    return list(rows[:WEBHOOKS_SHOWN])


def webhook_remove(*, user: User, subscription_id: int) -> bool:
    allowed = Subscription.objects.filter(pk=subscription_id,
                                          channel=SubscriptionChannel.WEBHOOK)
    if not user.is_admin:
        allowed = allowed.filter(user=user)
    deleted, _rows = allowed.delete()
    return bool(deleted)


def signature(*, secret: str, body: bytes) -> str:
    """The `X-Destek-Signature` header value a webhook delivery carries."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"
