"""Settings → Mailboxes: the list, adding and editing a mailbox, "Test connection", "Send test
email", the OAuth2 sign-in with Google Workspace or Microsoft 365 and those providers' apps.
The work is done by destek.mail (connection_test, oauth, outbound); this module is the page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from destek.accounts.web import acting_user
from destek.audit.log import Action, record
from destek.configuration.access import settings_page
from destek.configuration.forms.mailboxes import MailboxForm, OAuthAppForm, oauth_app_for
from destek.mail import oauth
from destek.mail.connection_test import check_mailbox
from destek.mail.models import Mailbox, OAuthApp
from destek.mail.outbound import send_test_email

SECTION = "mailboxes"
PENDING_KEY = "destek.mail.oauth.pending"


def audit_change(request: HttpRequest, obj: Model, change: str, fields: list[str]) -> None:
    """As the admin site recorded it: the object and the changed field names, never values."""
    meta = obj._meta
    record(Action.SETTINGS_CHANGED, request=request, target=f"{meta.label_lower}:{obj.pk}",
           change=change, model=meta.label_lower, object=str(obj)[:200], fields=fields,
           via="settings")


@settings_page(SECTION)
def mailbox_list(request: HttpRequest) -> HttpResponse:
    mailboxes = Mailbox.objects.select_related("department").order_by("address")
    apps = {app.provider: app for app in OAuthApp.objects.all()}
    providers = [(key, label, apps.get(key)) for key, label in
                 OAuthApp._meta.get_field("provider").choices or []]
    return render(request, "configuration/mailboxes.html",
                  {"mailboxes": mailboxes, "providers": providers})


@settings_page(SECTION)
def mailbox_edit(request: HttpRequest, mailbox_id: int | None = None) -> HttpResponse:
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id) if mailbox_id else None
    form = MailboxForm(request.POST or None, instance=mailbox)
    if request.method == "POST" and form.is_valid():
        adding = mailbox is None
        with transaction.atomic():
            saved = form.save()
            changed = [name for name in form.changed_data if name != "imap_password"]
            if "imap_password" in form.changed_data and request.POST.get("imap_password"):
                changed.append("imap_password")
            if adding or changed:
                audit_change(request, saved, "added" if adding else "changed", changed)
        messages.success(request, _("Mailbox %(address)s saved.") % {"address": saved.address})
        return redirect("settings:mailbox_edit", mailbox_id=saved.pk)
    return render(request, "configuration/mailbox_edit.html", _edit_context(form, mailbox))


def _edit_context(form: MailboxForm, mailbox: Mailbox | None, **extra: Any) -> dict[str, Any]:
    app = (OAuthApp.objects.filter(provider=mailbox.oauth_provider).first()
           if mailbox and mailbox.oauth_provider else None)
    return {"form": form, "mailbox": mailbox, "oauth_app": app,
            "oauth_signed_in": bool(mailbox and mailbox.oauth_refresh_token), **extra}


@settings_page(SECTION)
@require_POST
def mailbox_test(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """Runs the test on the saved settings; answers the result panel (htmx) or the page."""
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id)
    result = check_mailbox(mailbox=mailbox)
    context = {"result": result, "mailbox": mailbox}
    if request.headers.get("HX-Request"):
        return render(request, "configuration/_mailbox_test.html", context)
    return render(request, "configuration/mailbox_edit.html",
                  _edit_context(MailboxForm(instance=mailbox), mailbox, **context))


@settings_page(SECTION)
@require_POST
def mailbox_send_test(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id)
    user = acting_user(request)
    send_test_email(mailbox=mailbox, to=user.email,
                    language=getattr(request, "LANGUAGE_CODE", "") or user.language)
    messages.success(request, _("A test email from %(address)s is on its way to %(to)s.")
                     % {"address": mailbox.address, "to": user.email})
    return redirect("settings:mailbox_edit", mailbox_id=mailbox.pk)


def _redirect_uri() -> str:
    """One address to register with the provider for every mailbox."""
    return f"{settings.BASE_URL.rstrip('/')}{reverse('settings:mailbox_oauth_callback')}"


@settings_page(SECTION)
@require_POST
def mailbox_oauth_start(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id, imap_auth="oauth2")
    app = OAuthApp.objects.filter(provider=mailbox.oauth_provider).first()
    if app is None:
        messages.error(request, _("Set up the provider's OAuth2 app first."))
        return redirect("settings:mailbox_edit", mailbox_id=mailbox.pk)
    url, pending = oauth.begin(app=app, mailbox=mailbox, redirect_uri=_redirect_uri())
    request.session[PENDING_KEY] = pending.as_json()
    return HttpResponseRedirect(url)


@settings_page(SECTION)
def mailbox_oauth_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the admin back here with a code (or an error) and the state."""
    pending = oauth.Pending.from_json(request.session.pop(PENDING_KEY, None))
    if pending is None:
        messages.error(request, _("This sign-in did not start here or has expired. Start it "
                                  "again from the mailbox."))
        return redirect("settings:mailboxes")
    mailbox = get_object_or_404(Mailbox, pk=pending.mailbox_id)
    app = OAuthApp.objects.filter(provider=pending.provider).first()
    if request.GET.get("error") or app is None:
        messages.error(request, _("The provider did not sign the mailbox in: %(error)s")
                       % {"error": request.GET.get("error_description")
                          or request.GET.get("error") or "-"})
        return redirect("settings:mailbox_edit", mailbox_id=mailbox.pk)
    try:
        oauth.complete(app=app, pending=pending, state=request.GET.get("state", ""),
                       code=request.GET.get("code", ""), redirect_uri=_redirect_uri(),
                       mailbox=mailbox)
    except oauth.OAuthError as error:
        messages.error(request, _("The provider did not sign the mailbox in: %(error)s")
                       % {"error": error})
        return redirect("settings:mailbox_edit", mailbox_id=mailbox.pk)
    audit_change(request, mailbox, "changed", ["oauth_sign_in"])
    messages.success(request, _("%(address)s is signed in with %(provider)s.")
                     % {"address": mailbox.address, "provider": app})
    return redirect("settings:mailbox_edit", mailbox_id=mailbox.pk)


@settings_page(SECTION)
def oauth_app_edit(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in oauth.PROVIDERS:
        raise Http404("Not found.")
    app = oauth_app_for(provider)
    adding = app.pk is None
    form = OAuthAppForm(request.POST or None, instance=app)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        changed = [n for n in form.changed_data if n != "client_secret"]
        if form.cleaned_data.get("client_secret"):
            changed.append("client_secret")
        audit_change(request, saved, "added" if adding else "changed", changed)
        messages.success(request, _("%(provider)s sign-in saved.") % {"provider": saved})
        return redirect("settings:mailboxes")
    return render(request, "configuration/oauth_app_edit.html",
                  {"form": form, "app": app, "redirect_uri": _redirect_uri()})
