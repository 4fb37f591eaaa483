"""Managing endpoints (admins only, audited): create, edit, delete, re-enable, rotate the
secret, redeliver an event, send a test. Every URL passes the SSRF guard when saved."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.audit.log import record
from destek.audit.models import Action
from destek.core.errors import ApplicationError, PermissionDenied
from destek.webhooks import guard, selectors, signing
from destek.webhooks.models import Delivery, DeliveryState, Endpoint, EndpointKind, EventType
from destek.webhooks.outbox import deliver_after_commit, enqueue

SUBSCRIBABLE = frozenset(value for value in EventType.values if value != EventType.TEST)


def _require_admin(actor: User | None) -> User:
    if actor is None or not getattr(actor, "is_admin", False):
        raise PermissionDenied(_("Only administrators manage webhooks."))
    return actor


def _audit(actor: User, endpoint: Endpoint, change: str, **detail: Any) -> None:
    # Never the secret: only what changed and where it points.
    record(Action.SETTINGS_CHANGED, actor=actor, target=f"webhook:{endpoint.pk}",
           change=change, name=endpoint.name, url=endpoint.url, **detail)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the webhook a name."), field="name")
    if len(name) > 120:
        raise ApplicationError(_("The name is too long (120 characters at most)."),
                               field="name")
    return name


def _clean_kind(kind: str) -> str:
    if kind not in EndpointKind.values:
        raise ApplicationError(_("Choose a kind of webhook."), field="kind")
    return kind


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > 500:
        raise ApplicationError(_("The URL is too long (500 characters at most)."), field="url")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ApplicationError(_("Enter a valid URL (https://…)."), field="url") from None
    guard.check_url(url)
    return url


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(str(e) for e in events or ()))
    unknown = [e for e in chosen if e not in SUBSCRIBABLE]
    if unknown:
        raise ApplicationError(_("Unknown event type: %(type)s.") % {"type": unknown[0]},
                               field="events")
    return sorted(chosen)


def endpoint_create(*, actor: User, name: str, kind: str, url: str,
                    events: Iterable[str]) -> tuple[Endpoint, str]:
    """The new endpoint and its signing secret in plain text (shown once; stored sealed)."""
    _require_admin(actor)
    endpoint = Endpoint(name=_clean_name(name), kind=_clean_kind(kind), url=_clean_url(url),
                        events=_clean_events(events), created_by=actor)
    secret = signing.new_secret()
    endpoint.secret_sealed = signing.seal_secret(secret)
    with transaction.atomic():
        endpoint.save()
        _audit(actor, endpoint, "created", kind=endpoint.kind, events=endpoint.events)
        selectors.forget_subscriptions()
    return endpoint, secret


def endpoint_update(*, actor: User, endpoint: Endpoint, name: str | None = None,
                    kind: str | None = None, url: str | None = None,
                    events: Iterable[str] | None = None) -> Endpoint:
    _require_admin(actor)
    changed: dict[str, Any] = {}
    if name is not None and name.strip() != endpoint.name:
        endpoint.name = changed["name"] = _clean_name(name)
    if kind is not None and kind != endpoint.kind:
        endpoint.kind = changed["kind"] = _clean_kind(kind)
    if url is not None and url.strip() != endpoint.url:
        endpoint.url = changed["url"] = _clean_url(url)
    if events is not None:
        cleaned = _clean_events(events)
        if cleaned != sorted(endpoint.events or []):
            endpoint.events = changed["events"] = cleaned
    if not changed:
        return endpoint
    endpoint.updated_at = timezone.now()
    with transaction.atomic():
        endpoint.save()
        _audit(actor, endpoint, "updated", fields=sorted(changed))
        selectors.forget_subscriptions()
    return endpoint


def endpoint_delete(*, actor: User, endpoint: Endpoint) -> None:
    """Delete the endpoint and its delivery log."""
    _require_admin(actor)
    with transaction.atomic():
        _audit(actor, endpoint, "deleted")
        endpoint.delete()
        selectors.forget_subscriptions()


def endpoint_disable(*, actor: User, endpoint: Endpoint) -> Endpoint:
    _require_admin(actor)
    now = timezone.now()
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(
            is_active=False, disabled_at=now, disabled_reason="disabled by an administrator",
            updated_at=now)
        _audit(actor, endpoint, "disabled")
        selectors.forget_subscriptions()
    endpoint.refresh_from_db()
    return endpoint


def endpoint_enable(*, actor: User, endpoint: Endpoint) -> Endpoint:
    """Re-enable: the failure count starts again and the deliveries it kept are sent."""
    _require_admin(actor)
    guard.check_url(endpoint.url)
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(
            is_active=True, disabled_at=None, disabled_reason="", consecutive_failures=0,
            updated_at=timezone.now())
        _audit(actor, endpoint, "enabled")
        selectors.forget_subscriptions()
        waiting = list(Delivery.objects.filter(
            endpoint=endpoint, state__in=[DeliveryState.PENDING, DeliveryState.RETRYING])
            .order_by("pk").values_list("pk", flat=True)[:500])
        if waiting:
            Delivery.objects.filter(pk__in=waiting).update(next_attempt_at=timezone.now())
            deliver_after_commit(waiting)
    endpoint.refresh_from_db()
    return endpoint


def rotate_secret(*, actor: User, endpoint: Endpoint) -> str:
    """A new signing secret (returned once, in plain text); the old one stops at once."""
    _require_admin(actor)
    secret = signing.new_secret()
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(
            secret_sealed=signing.seal_secret(secret), updated_at=timezone.now())
        _audit(actor, endpoint, "secret_rotated")
    endpoint.refresh_from_db()
    return secret


def delivery_redeliver(*, actor: User, delivery: Delivery) -> Delivery:
    """Send the same event (same event id, same payload) again now, with a fresh count of
    attempts; a delivery a worker is sending right now is left to it."""
    _require_admin(actor)
    now = timezone.now()
    with transaction.atomic():
        updated = Delivery.objects.filter(pk=delivery.pk).exclude(leased_until__gt=now).update(
            state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, leased_until=None,
            delivered_at=None)
        if not updated:
            raise ApplicationError(_("This delivery is being sent right now."))
        _audit(actor, delivery.endpoint, "redelivered", event_id=str(delivery.event_id))
        deliver_after_commit([delivery.pk])
    delivery.refresh_from_db()
    return delivery


def send_test(*, actor: User, endpoint: Endpoint) -> Delivery:
    """A `webhook.test` event to this endpoint alone, whatever it subscribes to."""
    _require_admin(actor)
    if not endpoint.is_active:
        raise ApplicationError(_("Enable the webhook before sending a test."))
    guard.check_url(endpoint.url)
    with transaction.atomic():
        rows = enqueue(endpoints=[endpoint], event_type=EventType.TEST, payload={
            "text": _("Destek test message: this channel receives Destek's notifications."),
            "sent_by": actor.email, "sent_at": timezone.now().isoformat()})
        _audit(actor, endpoint, "test_sent")
    return rows[0]
