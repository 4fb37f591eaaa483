"""Provider webhooks (Mailgun, Postmark, SendGrid) through django-anymail's inbound views.

anymail checks each provider's signature or HTTP basic auth and sends its `inbound` signal; the
receiver here stores the raw MIME with source=webhook. A provider whose secret is not
configured gets 404 (disabled); a bad signature gets 400; a message that cannot be stored gets
503, so the provider delivers it again later (and store_raw recognises a repeat).

For the exact bytes, providers should post the raw MIME: Mailgun routes to
/mail/inbound/mailgun_mime/ ("mime" in the URL asks Mailgun for `body-mime`), SendGrid with
"POST the raw, full MIME message", Postmark with "Include raw email content in JSON payload".
Otherwise anymail rebuilds the message from the parsed fields.
"""

from __future__ import annotations

import logging
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from io import BytesIO
from typing import Any

from anymail.exceptions import AnymailConfigurationError, AnymailWebhookValidationFailure
from anymail.signals import AnymailInboundEvent, inbound
from anymail.webhooks.base import AnymailBaseWebhookView, AnymailCoreWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt

from destek.mail.doors.recipients import mailbox_for_recipients
from destek.mail.models import InboundSource
from destek.mail.store import store_raw

logger = logging.getLogger(__name__)



class SendGridInbound(SendGridInboundWebhookView):
    """anymail no longer tests SendGrid against a live account and warns on every request;
    its inbound parsing is unchanged, and this door is tested against the documented format.
    """

    def __init__(self, **kwargs: Any) -> None:
        AnymailBaseWebhookView.__init__(self, **kwargs)  # skips only the warning


VIEWS: dict[str, type[AnymailCoreWebhookView]] = {
    "mailgun": MailgunInboundWebhookView,
    "postmark": PostmarkInboundWebhookView,
    "sendgrid": SendGridInbound,
}
# The form field that carries the raw MIME, for providers that post it as a form.
RAW_FIELDS = {"mailgun": "body-mime", "sendgrid": "email"}


class StoreFailed(Exception):
    """The message could not be stored: answer 5xx so that the provider retries."""


class TooLarge(Exception):
    """The message is over DESTEK_MAIL_MAX_BYTES."""


def is_enabled(*, provider: str) -> bool:
    """Only providers whose webhook can be authenticated are served (settings.ANYMAIL)."""
    config = getattr(settings, "ANYMAIL", {}) or {}
    if provider == "mailgun":
        return bool(config.get("MAILGUN_WEBHOOK_SIGNING_KEY"))
    return bool(config.get("WEBHOOK_SECRET"))


@csrf_exempt
def inbound_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in VIEWS or not is_enabled(provider=provider):
        raise Http404
    if request.method != "POST":
        return VIEWS[provider].as_view()(request)  # HEAD: the providers' URL check
    limit = 2 * settings.DESTEK_MAIL_MAX_BYTES + 1024 * 1024  # parsed mode posts text and html
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return HttpResponse(status=413)
    try:
        _read_body(request, limit=limit)
        if request.content_type == "multipart/form-data":
            request.destek_raw_fields = _parse_form(request)  # type: ignore[attr-defined]
    except ValueError as error:
        return HttpResponse(f"Malformed request: {error}\n", status=400,
                            content_type="text/plain")
    try:
        return VIEWS[provider].as_view()(request)
    except TooLarge:
        return HttpResponse("Message too large.\n", status=413, content_type="text/plain")
    except StoreFailed:
        return HttpResponse("Cannot store the message now; try again later.\n", status=503,
                            content_type="text/plain")
    except AnymailWebhookValidationFailure:
        raise  # anymail's answer to a bad signature or password: 400 (SuspiciousOperation)
    except (AnymailConfigurationError, KeyError, ValueError, TypeError) as error:
        # A payload the provider would not send for an inbound message; retrying cannot help.
        logger.warning("%s inbound webhook: unusable payload: %s", provider, error)
        return HttpResponse(f"Unusable payload: {error}\n", status=400,
                            content_type="text/plain")


def _read_body(request: HttpRequest, *, limit: int) -> None:
    """Buffer the body, bounded by our own limit rather than DATA_UPLOAD_MAX_MEMORY_SIZE
    (sized for web forms, smaller than an email with attachments)."""
    if hasattr(request, "_body"):  # already buffered
        body = request.body
        if len(body) > limit:
            raise ValueError("request too large")
        return
    body = request.read(limit + 1)
    if len(body) > limit:
        raise ValueError("request too large")
    request._body = body  # what HttpRequest.body caches
    request._stream = BytesIO(body)


def _parse_form(request: HttpRequest) -> dict[str, bytes]:
    """Parse multipart/form-data ourselves: Django decodes fields as text (losing the raw
    MIME's exact bytes) and caps them at DATA_UPLOAD_MAX_MEMORY_SIZE. Returns each text
    field's exact bytes and fills request.POST and request.FILES for anymail."""
    header = f"Content-Type: {request.META.get('CONTENT_TYPE', '')}\r\n\r\n".encode("latin-1")
    form = BytesParser(policy=compat32).parsebytes(header + request.body)
    if not form.is_multipart():
        raise ValueError("not a multipart form")
    post = QueryDict(mutable=True)
    files: MultiValueDict[str, Any] = MultiValueDict()
    raw_fields: dict[str, bytes] = {}
    parts: list[Message] = form.get_payload()  # type: ignore[assignment]
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files.appendlist(name, SimpleUploadedFile(filename, data,
                                                      part.get_content_type()))
        else:
            raw_fields[name] = data
            post.appendlist(name, data.decode(part.get_content_charset() or "utf-8",
                                              "replace"))
    post._mutable = False
    request._post = post  # type: ignore[attr-defined]
    request._files = files  # type: ignore[attr-defined]
    return raw_fields


def _raw_mime(*, event: AnymailInboundEvent, provider: str) -> bytes:
    esp_event = event.esp_event
    field = RAW_FIELDS.get(provider)
    if field and isinstance(esp_event, HttpRequest):
        raw = getattr(esp_event, "destek_raw_fields", {}).get(field)
        if raw:
            return bytes(raw)
        if esp_event.POST.get(field):
            return esp_event.POST[field].encode("utf-8")
    if isinstance(esp_event, dict) and esp_event.get("RawEmail"):
        return str(esp_event["RawEmail"]).encode("utf-8")
    # Parsed mode: anymail rebuilt the message from the provider's fields.
    return event.message.as_bytes()


def _envelope_recipients(*, event: AnymailInboundEvent) -> list[str]:
    recipient = getattr(event.message, "envelope_recipient", None)
    return [recipient] if recipient else []


@receiver(inbound, dispatch_uid="destek.mail.doors.webhooks.store_inbound")
def store_inbound(sender: object, event: AnymailInboundEvent, esp_name: str,
                  **kwargs: object) -> None:
    raw = _raw_mime(event=event, provider=esp_name.lower())
    if len(raw) > settings.DESTEK_MAIL_MAX_BYTES:
        raise TooLarge
    recipients = _envelope_recipients(event=event)
    try:
        mailbox = mailbox_for_recipients(recipients=recipients)
        store_raw(raw=raw, source=InboundSource.WEBHOOK, mailbox=mailbox,
                  envelope_to=recipients)
    except Exception as error:
        logger.exception("%s inbound webhook: cannot store the message", esp_name)
        raise StoreFailed(str(error)) from error
