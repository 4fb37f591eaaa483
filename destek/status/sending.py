"""The fan-out of one incident update, batch by batch: who is told, what they are told.

Three lists are walked in turn, each in keyset batches of BATCH by id:

1. the customers the incident affects (`audience.affected_customers`): an email each, in
   their language, through the outbox;
2. the confirmed email subscriptions on its components (or on every component), less the
   addresses already told as customers and repeated subscriptions of one address: an email
   each, in the subscription's language, with an unsubscribe link;
3. the webhook subscriptions on them: a `WebhookDelivery` row each, POSTed in the background
   (destek.status.webhooks).

A batch commits its rows together with the update's cursor and counters, under a lock on
the update, and only runs when the task carries the update's current batch number
(`fanout_step`). So a worker killed mid-batch loses that batch alone, which the task's
redelivery (acks_late) or the sweeper runs again; a duplicate task finds the number moved on
and does nothing; and a batch run twice writes nothing new, since every row has an
idempotency key (`status-update:<update>:user:<id>`, `…:sub:<id>`, and one delivery per
update and subscription). Each recipient gets each update at most once.

Customers who turned ticket emails off (`User.email_notifications`) still get these: an
incident or a maintenance on a service they pay for is a service notice, not ticket
chatter. Addresses that bounce are dropped (notifications' `notify_address_many`).
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.urls import reverse
from django.utils import formats, timezone, translation

from destek.accounts.models import User
from destek.accounts.zones import zone_named
from destek.branding.brand import site_name
from destek.notifications.compose import AUTOMATIC_HEADERS, AddressNotice
from destek.notifications.models import TemplateKey
from destek.notifications.notify import notify_address_many
from destek.notifications.rendering import email_language
from destek.status.audience import affected_customers
from destek.status.models import (
    Component,
    FanoutState,
    Impact,
    Incident,
    IncidentKind,
    IncidentState,
    IncidentUpdate,
    Subscription,
    SubscriptionChannel,
    WebhookDelivery,
    WebhookState,
)

BATCH = 500
KIND = TemplateKey.STATUS_INCIDENT_UPDATE.value

CUSTOMERS, SUBSCRIBERS, WEBHOOKS = "customers", "subscribers", "webhooks"
PHASES = (CUSTOMERS, SUBSCRIBERS, WEBHOOKS)


def stall_after() -> timedelta:
    """How long a fan-out may go without a committed batch before the sweeper resumes it
    (DESTEK_STATUS_FANOUT_STALL_SECONDS, default 60)."""
    return timedelta(seconds=int(getattr(settings, "DESTEK_STATUS_FANOUT_STALL_SECONDS", 60)))


# --- links -----------------------------------------------------------------------------------

def _absolute(path: str) -> str:
    return f"{settings.BASE_URL.rstrip('/')}{path}"


def incident_url(incident_id: int) -> str:
    """The incident on the public status page."""
    return _absolute(reverse("status:incident", args=[incident_id]))


def unsubscribe_url(token: str) -> str:
    """One click ends a subscription (the public page's subscriptions)."""
    return _absolute(reverse("status:unsubscribe", args=[token]))


# --- what is said ----------------------------------------------------------------------------

@dataclass
class Story:
    """The update and its incident as read once for a batch; `context` renders its part of
    the email in one language and time zone (cached: a batch has few of each)."""

    update: IncidentUpdate
    incident: Incident
    components: list[Component]
    _contexts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def component_ids(self) -> list[int]:
        return [c.pk for c in self.components]

    def context(self, language: str, zone_name: str) -> dict[str, Any]:
        key = (language, zone_name)
        if key not in self._contexts:
            self._contexts[key] = self._context(language, zone_named(zone_name))
        return self._contexts[key]

    def _when(self, value: datetime | None, zone: zoneinfo.ZoneInfo) -> str:
        if value is None:
            return ""
        return formats.date_format(timezone.localtime(value, zone), "DATETIME_FORMAT")

    def _context(self, language: str, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
        incident, update = self.incident, self.update
        maintenance = incident.kind == IncidentKind.MAINTENANCE
        with translation.override(language):
            return {
                "is_maintenance": maintenance,
                "title": incident.localized_title(language),
                "state": str(IncidentState(update.state).label),
                "impact": "" if maintenance else str(Impact(incident.impact).label),
                "update_text": update.localized_body(language),
                "components": [c.localized_name(language) for c in self.components],
                "window_start": self._when(incident.scheduled_start, zone) if maintenance
                else "",
                "window_end": self._when(incident.scheduled_end, zone) if maintenance else "",
                "incident_url": incident_url(incident.pk),
                "site_name": site_name(),
            }

    def notice(self, *, to: str, name: str, language: str, zone_name: str,
               unsubscribe: str = "") -> AddressNotice:
        language = email_language(language)
        headers = {**AUTOMATIC_HEADERS, "X-Destek-Incident": str(self.incident.pk)}
        if unsubscribe:
            headers["List-Unsubscribe"] = f"<{unsubscribe}>"
            # RFC 8058: the mail client's one-click button POSTs to the link.
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return AddressNotice(
            key=KIND, to=[to], language=language, headers=headers,
            context={**self.context(language, zone_name), "recipient_name": name,
                     "unsubscribe_url": unsubscribe})

    def webhook_body(self) -> str:
        """The JSON every webhook subscriber receives for this update (the same bytes on
        every attempt: the signature is over them)."""
        incident, update = self.incident, self.update
        return json.dumps({
            "event": f"{incident.kind}.update",
            "incident": {
                "id": incident.pk,
                "kind": incident.kind,
                "title": {"en": incident.title, "tr": incident.title_tr or incident.title},
                "state": incident.state,
                "impact": incident.impact,
                "url": incident_url(incident.pk),
                "components": [{"slug": c.slug, "name": {"en": c.name,
                                                         "tr": c.name_tr or c.name}}
                               for c in self.components],
                "scheduled_start": _iso(incident.scheduled_start),
                "scheduled_end": _iso(incident.scheduled_end),
                "resolved_at": _iso(incident.resolved_at),
            },
            "update": {
                "id": update.pk,
                "state": update.state,
                "text": {"en": update.body, "tr": update.body_tr or update.body},
                "created_at": _iso(update.created_at),
            },
            "timestamp": _iso(timezone.now()),
        }, ensure_ascii=False, separators=(",", ":"))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- who is told -----------------------------------------------------------------------------

def matching_subscriptions(channel: str, component_ids: list[int]) -> QuerySet[Subscription]:
    """Subscriptions by `channel` to one of the components, or to every component (none
    chosen); email ones only once confirmed."""
    through = Subscription.components.through
    on_component = through.objects.filter(component_id__in=component_ids) \
        .values("subscription_id")
    with_components = through.objects.values("subscription_id")
    found = Subscription.objects.filter(channel=channel).filter(
        Q(pk__in=on_component) | ~Q(pk__in=with_components))
    if channel == SubscriptionChannel.EMAIL:
        found = found.filter(confirmed_at__isnull=False)
    return found


def _address(sub: Subscription) -> str:
    """Where a subscription's email goes: its own address, else its user's."""
    return sub.email or (sub.user.email if sub.user is not None else "")


def recipients_count(component_ids: list[int]) -> int:
    """Everyone the fan-out will walk (the progress bar's total)."""
    return (affected_customers(component_ids).count()
            + matching_subscriptions(SubscriptionChannel.EMAIL, component_ids).count()
            + matching_subscriptions(SubscriptionChannel.WEBHOOK, component_ids).count())


@dataclass
class Batch:
    walked: int  # recipients looked at (the progress bar counts them)
    cursor: int  # the last id walked
    webhook_ids: list[int] = field(default_factory=list)


def _customers(story: Story, cursor: int) -> Batch:
    people = list(affected_customers(story.component_ids).filter(pk__gt=cursor)
                  .order_by("pk").only("pk", "email", "full_name", "language", "time_zone")
                  [:BATCH])
    default_zone = settings.TIME_ZONE
    notices = [(story.notice(to=person.email, name=person.display_name,
                             language=person.language, zone_name=person.time_zone
                             or default_zone),
                f"status-update:{story.update.pk}:user:{person.pk}")
               for person in people if person.email]
    notify_address_many(notices=notices, kind=KIND)
    return Batch(walked=len(people), cursor=people[-1].pk if people else cursor)


def _subscribers(story: Story, cursor: int) -> Batch:
    matching = matching_subscriptions(SubscriptionChannel.EMAIL, story.component_ids)
    subs = list(matching.filter(pk__gt=cursor).select_related("user").order_by("pk")[:BATCH])
    if not subs:
        return Batch(walked=0, cursor=cursor)
    address = {sub.pk: _address(sub).lower() for sub in subs}
    addresses = {a for a in address.values() if a}
    affected = affected_customers(story.component_ids)
    # Told already as customers: the subscription's user, or an affected customer's address.
    told_users = set(affected.filter(pk__in={s.user_id for s in subs if s.user_id})
                     .values_list("pk", flat=True))
    told_addresses = set(affected.annotate(address=Lower("email"))
                         .filter(address__in=addresses).values_list("address", flat=True))
    # An address subscribed twice (two components) is told by its first subscription.
    lowered = Lower(Coalesce(NullIf("email", Value("")), "user__email"))
    first = dict(matching.annotate(address=lowered).filter(address__in=addresses).order_by()
                 .values("address").annotate(first=Min("pk")).values_list("address", "first"))
    default_zone = settings.TIME_ZONE
    notices = []
    for sub in subs:
        to = address[sub.pk]
        if (not to or sub.user_id in told_users or to in told_addresses
                or first.get(to) != sub.pk):
            continue
        user: User | None = sub.user
        notices.append((story.notice(
            to=_address(sub),
            name=user.display_name if user else sub.email,
            language=sub.language or (user.language if user else ""),
            zone_name=(user.time_zone if user else "") or default_zone,
            unsubscribe=unsubscribe_url(sub.token)),
            f"status-update:{story.update.pk}:sub:{sub.pk}"))
    notify_address_many(notices=notices, kind=KIND)
    return Batch(walked=len(subs), cursor=subs[-1].pk)


def _webhooks(story: Story, cursor: int) -> Batch:
    matching = matching_subscriptions(SubscriptionChannel.WEBHOOK, story.component_ids)
    subs = list(matching.filter(pk__gt=cursor).exclude(webhook_url="").order_by("pk")
                .values_list("pk", flat=True)[:BATCH])
    if not subs:
        return Batch(walked=0, cursor=cursor)
    body = story.webhook_body()
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(update=story.update, subscription_id=pk, body=body,
                         next_attempt_at=now, created_at=now) for pk in subs],
        ignore_conflicts=True)
    ids = list(WebhookDelivery.objects.filter(update=story.update, subscription_id__in=subs,
                                              status=WebhookState.PENDING)
               .values_list("pk", flat=True))
    return Batch(walked=len(subs), cursor=subs[-1], webhook_ids=ids)


WALKERS: dict[str, Callable[[Story, int], Batch]] = {
    CUSTOMERS: _customers, SUBSCRIBERS: _subscribers, WEBHOOKS: _webhooks}


# --- one step --------------------------------------------------------------------------------

@dataclass
class StepResult:
    next_step: int | None  # the batch number to run next; None: finished, or not this task's
    webhook_ids: list[int] = field(default_factory=list)  # deliveries to start now


def _finish(update: IncidentUpdate, *, now: datetime) -> None:
    update.fanout_state = FanoutState.DONE
    update.fanout_phase = ""
    update.fanout_total = update.fanout_done  # who was walked, if the audience moved meanwhile
    update.fanout_progress_at = now


@transaction.atomic
def send_step(*, update_id: int, step: int) -> StepResult:
    """Run batch number `step` of the update's fan-out, if it is the one due: its rows, the
    cursor and the counters commit together. Idempotent: a step already done, or a task for a
    fan-out not sending, does nothing."""
    update = IncidentUpdate.objects.select_for_update().filter(pk=update_id).first()
    if update is None or update.fanout_state != FanoutState.SENDING or update.fanout_step != step:
        return StepResult(next_step=None)
    incident = Incident.objects.get(pk=update.incident_id)
    now = timezone.now()
    fields = ["fanout_state", "fanout_phase", "fanout_cursor", "fanout_step", "fanout_total",
              "fanout_done", "fanout_progress_at"]
    if not incident.is_published or not update.notify:  # a draft (or a silent update): nothing
        _finish(update, now=now)
        update.save(update_fields=fields)
        return StepResult(next_step=None)
    story = Story(update=update, incident=incident,
                  components=list(incident.components.order_by("position", "name")))
    if not update.fanout_phase:  # the first step: count once, for the progress bar
        update.fanout_total = recipients_count(story.component_ids)
        update.fanout_phase, update.fanout_cursor, update.fanout_done = PHASES[0], 0, 0
    batch = WALKERS[update.fanout_phase](story, update.fanout_cursor)
    update.fanout_done += batch.walked
    update.fanout_cursor = batch.cursor
    if batch.walked < BATCH:  # this list is finished: the next one, from its start
        following = PHASES.index(update.fanout_phase) + 1
        if following < len(PHASES):
            update.fanout_phase, update.fanout_cursor = PHASES[following], 0
        else:
            _finish(update, now=now)
    update.fanout_step = step + 1
    update.fanout_progress_at = now
    update.save(update_fields=fields)
    more = update.fanout_state == FanoutState.SENDING
    return StepResult(next_step=update.fanout_step if more else None,
                      webhook_ids=batch.webhook_ids)


def stalled_fanouts() -> list[tuple[int, int]]:
    """(update id, batch number) of the fan-outs sending with no batch committed for
    `stall_after()`: their worker died, or their task was lost. Running the batch again is
    safe (see the module's docstring)."""
    cutoff = timezone.now() - stall_after()
    return list(IncidentUpdate.objects.filter(fanout_state=FanoutState.SENDING)
                .filter(Q(fanout_progress_at__lt=cutoff) | Q(fanout_progress_at__isnull=True))
                .order_by("pk").values_list("pk", "fanout_step")[:100])
