"""A guest with a signed link from a ticket email: read, reply, close and reopen that ticket.

The token is the only credential; the guest acts as the ticket's customer. An invalid,
tampered or expired token gets a 404 page that reveals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from destek.core.errors import ApplicationError, NotFound
from destek.portal import adapters
from destek.portal.forms import ReplyForm
from destek.portal.views.common import merged_reply_refusal, render_ticket_page, ticket_actions
from destek.tickets.access import access_attachment_by_guest_token, access_ticket_by_guest_token
from destek.tickets.models import Status
from destek.tickets.web import serve_attachment

GuestView = Callable[..., HttpResponseBase]


def guest_view(view: GuestView) -> GuestView:
    """404 page on a bad token; never cached and never leaked through the Referer header."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase
        try:
            response = view(request, *args, **kwargs)
        except NotFound:
            response = render(request, "portal/guest_invalid.html", status=404)
        # same-origin, not no-referrer: the token never leaves in a Referer to another site,
        # while the guest's own form posts keep their Origin header. Under no-referrer
        # browsers send "Origin: null" and Django's CSRF check refuses every guest reply.
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapper)


@require_GET
@guest_view
def guest_ticket(request: HttpRequest, token: str) -> HttpResponse:
    ticket = access_ticket_by_guest_token(token=token)
    return render_ticket_page(request, ticket=ticket, reply_form=ReplyForm(), guest_token=token)


@require_POST
@guest_view
def guest_reply(request: HttpRequest, token: str) -> HttpResponse:
    ticket = access_ticket_by_guest_token(token=token)
    if not ticket_actions(ticket).can_reply:
        messages.error(request, merged_reply_refusal())
        return redirect("portal:guest_ticket", token=token)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            adapters.portal_reply(author=ticket.customer, ticket=ticket, body=data["body"],
                                  uploads=data["attachments"],
                                  submission_id=data["submission_id"])
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Your reply has been sent."))
            return redirect("portal:guest_ticket", token=token)
    return render_ticket_page(request, ticket=ticket, reply_form=form, guest_token=token,
                              status=400)


def _set_status(request: HttpRequest, token: str, status: Status, done: str) -> HttpResponse:
    try:
        adapters.guest_set_status(token=token, status=status)
    except NotFound:
        raise
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("portal:guest_ticket", token=token)


@require_POST
@guest_view
def guest_close(request: HttpRequest, token: str) -> HttpResponse:
    return _set_status(request, token, Status.CLOSED, _("The ticket has been closed."))


@require_POST
@guest_view
def guest_reopen(request: HttpRequest, token: str) -> HttpResponse:
    return _set_status(request, token, Status.OPEN, _("The ticket has been reopened."))


@require_GET
@guest_view
def guest_attachment(request: HttpRequest, token: str, attachment_id: int) -> FileResponse:
    attachment = access_attachment_by_guest_token(token=token, attachment_id=attachment_id)
    return serve_attachment(attachment)
