"""The status page's subscription doors: the subscribe form, the confirmation and
unsubscribe links from the emails, and the webhook registrations of signed-in customers and
admins. Thin: the rules are in `destek.status.subscriptions`."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from destek.accounts.models import User
from destek.core.errors import ApplicationError
from destek.status.models import Subscription
from destek.status.subscriptions import (
    SubscribeForm,
    WebhookForm,
    email_subscribe,
    email_subscription_confirm,
    subscribe_allowed,
    subscription_from_signed,
    unsubscribe,
    webhook_remove,
    webhook_subscribe,
    webhooks_of,
)


def _language() -> str:
    return (get_language() or "en")[:2]


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return _no_store(render(request, "status/public/subscribe.html", {"form": form},
                                status=400))
    email = form.cleaned_data["email"]
    if not subscribe_allowed(request, email=email):
        form.add_error(None, _("Too many subscription requests. Please try again later."))
        return _no_store(render(request, "status/public/subscribe.html", {"form": form},
                                status=429))
    user = request.user if isinstance(request.user, User) else None
    subscription = email_subscribe(email=email, components=list(form.cleaned_data["components"]),
                                   language=_language(), user=user)
    state = "live" if subscription.confirmed_at else "pending"
    return redirect(f"{reverse('status:subscribe_done')}?state={state}")


@require_GET
def subscribe_done(request: HttpRequest) -> HttpResponse:
    live = request.GET.get("state") == "live"
    return _no_store(render(request, "status/public/subscribe_done.html", {"live": live}))


@require_http_methods(["GET", "POST"])
def subscription_confirm(request: HttpRequest, signed: str) -> HttpResponse:
    """GET shows what is being confirmed with a button (link scanners only GET); the POST
    confirms."""
    try:
        subscription = subscription_from_signed(signed)
    except ApplicationError as error:
        return _no_store(render(request, "status/public/subscription_invalid.html",
                                {"error": error.message}, status=400))
    if request.method == "POST":
        email_subscription_confirm(subscription=subscription)
        return _no_store(render(request, "status/public/subscription_confirmed.html",
                                {"subscription": subscription}))
    return _no_store(render(request, "status/public/subscription_confirm.html",
                            {"subscription": subscription}))


@csrf_exempt  # the token is the capability; mail clients POST RFC 8058's one-click form
@require_http_methods(["GET", "POST"])
def subscription_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        unsubscribe(token=token)  # twice is fine: the second finds nothing
        return _no_store(render(request, "status/public/unsubscribed.html"))
    subscription = Subscription.objects.filter(token=token).first()
    return _no_store(render(request, "status/public/unsubscribe.html",
                            {"subscription": subscription, "token": token},
                            status=200 if subscription else 404))


def _webhook_user(request: HttpRequest) -> User:
    """A signed-in customer or admin; anyone else gets 404 (sign-in first for visitors)."""
    user = request.user
    if not isinstance(user, User) or not user.is_active or \
            not (user.is_customer or user.is_admin):
        raise Http404("Not found.")
    return user


@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = _webhook_user(request)
    created: Subscription | None = None
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            created = webhook_subscribe(user=user, url=form.cleaned_data["url"],
                                        components=list(form.cleaned_data["components"]))
            form = WebhookForm()
    else:
        form = WebhookForm()
    response = render(request, "status/public/webhooks.html", {
        "form": form, "created": created, "webhooks": webhooks_of(user),
    }, status=400 if request.method == "POST" and created is None else 200)
    return _no_store(response)


@require_POST
def webhook_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    user = _webhook_user(request)
    if not webhook_remove(user=user, subscription_id=subscription_id):
        raise Http404("Not found.")
    return redirect("status:webhooks")
