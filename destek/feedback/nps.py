"""The periodic NPS survey ("How likely are you to recommend us?", 0–10): who is asked and
when, the answer, the opt-out, and the report.

Who: an active customer account with email on (`User.email_notifications`: the survey is
optional mail, so a customer who turned emails off is not asked) and no NpsOptOut, that has
a live hosting service (Service status active, its own or its organization's) or opened a
ticket in the last RECENT_TICKET_DAYS days.

When: `nps_send_due` runs every hour (CELERY_BEAT_SCHEDULE "feedback-nps-send"). Each run
sends to at most ceil(eligible / (nps_every_days × RUNS_PER_DAY)) customers, those never
asked first, then those asked longest ago, never one asked within nps_every_days. Each
survey is one NpsResponse row (unique per customer and period) written in the same
transaction as its outbox row (idempotency key `nps-<customer>-<period>`): a rerun or a
crashed worker never sends twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import Role, User
from destek.branding.brand import site_name
from destek.core.errors import ApplicationError
from destek.feedback.models import FeedbackSettings, NpsOptOut, NpsResponse
from destek.feedback.nps_links import answer_urls, unsubscribe_url
from destek.feedback.selectors import feedback_settings
from destek.hosting.models import Service, ServiceStatus
from destek.notifications.compose import AddressNotice
from destek.notifications.outbox import outbox_address_notice_create
from destek.tickets.models import Ticket

RECENT_TICKET_DAYS = 180
RUNS_PER_DAY = 24  # the beat entry runs hourly
BATCH_SIZE = 500
EMAIL_KIND = "nps_survey"
PROMOTER_AT_LEAST = 9
DETRACTOR_AT_MOST = 6
REPORT_DAYS = 90


def period_index(now: datetime, every_days: int) -> int:
    """Days since the epoch // the period: the same for every run within one period."""
    return int(now.timestamp() // 86400) // max(every_days, 1)


def eligible_customers(*, now: datetime) -> QuerySet[User]:
    """Every customer the survey may go to, whenever they were last asked."""
    active_services = Service.objects.filter(status=ServiceStatus.ACTIVE)
    own = active_services.filter(customer_id=OuterRef("pk"))
    organization = active_services.filter(organization_id=OuterRef("organization_id"))
    recent = Ticket.objects.filter(customer_id=OuterRef("pk"),
                                   created_at__gte=now - timedelta(days=RECENT_TICKET_DAYS))
    return (User.objects.filter(role=Role.CUSTOMER, is_active=True, email_notifications=True)
            .exclude(email="")
            .exclude(Exists(NpsOptOut.objects.filter(customer_id=OuterRef("pk"))))
            .filter(Exists(own) | Exists(organization) | Exists(recent)))


def per_run_cap(*, eligible: int, every_days: int) -> int:
    """How many one run may ask: the eligible spread over the period's runs."""
    if eligible <= 0:
        return 0
    return math.ceil(eligible / (max(every_days, 1) * RUNS_PER_DAY))


@dataclass(frozen=True)
class SendResult:
    eligible: int
    cap: int
    sent: int


def nps_send_due(*, now: datetime | None = None) -> SendResult:
    """One run of the survey's schedule (see the module's docstring). Queries: the settings,
    one COUNT, then per batch of BATCH_SIZE one keyset-ordered SELECT, one INSERT of the
    responses and the outbox rows."""
    now = now or timezone.now()
    config = feedback_settings()
    if not config.nps_enabled:
        return SendResult(0, 0, 0)
    every = max(config.nps_every_days, 1)
    eligible = eligible_customers(now=now)
    total = eligible.count()
    cap = per_run_cap(eligible=total, every_days=every)
    cutoff = now - timedelta(days=every)
    # The latest survey per customer comes from the (customer, sent_at) index.
    due = (eligible.annotate(last_sent=Max("nps_responses__sent_at"))
           .filter(Q(last_sent__isnull=True) | Q(last_sent__lt=cutoff))
           .order_by(F("last_sent").asc(nulls_first=True), "pk")
           .values_list("pk", "email", "full_name", "language", "last_sent"))
    period = period_index(now, every)
    sent = 0
    after: tuple[datetime | None, int] | None = None
    while sent < cap:
        query = due
        if after is not None:
            last_sent, pk = after
            # Keyset: after (last_sent, pk) in the order above (NULLs first).
            if last_sent is None:
                query = query.filter(Q(last_sent__isnull=True, pk__gt=pk)
                                     | Q(last_sent__isnull=False))
            else:
                query = query.filter(Q(last_sent__gt=last_sent)
                                     | Q(last_sent=last_sent, pk__gt=pk))
        rows = list(query[:min(BATCH_SIZE, cap - sent)])
        if not rows:
            break
        sent += _send_batch(rows, period=period, now=now, config=config)
        after = (rows[-1][4], rows[-1][0])
    return SendResult(total, cap, sent)


def _send_batch(rows: list[tuple[int, str, str, str, datetime | None]], *, period: int,
                now: datetime, config: FeedbackSettings) -> int:
    """The surveys of one batch, each with its outbox row, in one transaction. A survey of
    this period already there (a concurrent run) is skipped, not sent again."""
    try:
        with transaction.atomic():
            responses = NpsResponse.objects.bulk_create(
                [NpsResponse(customer_id=pk, sent_at=now, period=period)
                 for pk, *_rest in rows])
            _write_emails(rows, responses, period=period, config=config)
        return len(rows)
    except IntegrityError:
        pass
    # Someone else wrote some of them: one by one, each in its own savepoint.
    count = 0
    for row in rows:
        try:
            with transaction.atomic():
                response = NpsResponse.objects.create(customer_id=row[0], sent_at=now,
                                                      period=period)
                _write_emails([row], [response], period=period, config=config)
            count += 1
        except IntegrityError:
            continue
    return count


def _write_emails(rows: list[tuple[int, str, str, str, datetime | None]],
                  responses: list[NpsResponse], *, period: int,
                  config: FeedbackSettings) -> None:
    name = site_name()
    for (pk, email, full_name, language, _last), response in zip(rows, responses,
                                                                  strict=True):
        if response.pk is None:  # a backend that cannot return ids: read it back
            response = NpsResponse.objects.get(customer_id=pk, period=period)
        unsubscribe = unsubscribe_url(pk)
        notice = AddressNotice(
            key=EMAIL_KIND, to=[email], language=language,
            context={"recipient_name": full_name or email, "site_name": name,
                     "score_urls": answer_urls(response), "unsubscribe_url": unsubscribe,
                     "valid_days": config.link_valid_days},
            # RFC 8058: mail clients offer their own one-click unsubscribe.
            headers={"List-Unsubscribe": f"<{unsubscribe}>",
                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                     "Auto-Submitted": "auto-generated"})
        outbox_address_notice_create(notice=notice, kind=EMAIL_KIND,
                                     idempotency_key=f"nps-{pk}-{period}")


class AnswerClosed(ApplicationError):
    """The answer can no longer be changed."""

    status_code = 409


def may_change(response: NpsResponse, *, now: datetime, config: FeedbackSettings) -> bool:
    """An answer may be given, or changed until change_window_days after it was first
    given."""
    if response.answered_at is None:
        return True
    return now <= response.answered_at + timedelta(days=config.change_window_days)


def nps_answer(*, response: NpsResponse, score: int, comment: str,
               now: datetime | None = None) -> NpsResponse:
    """Record (or change) the customer's answer. The same answer twice writes nothing new."""
    now = now or timezone.now()
    if not 0 <= score <= 10:
        raise ApplicationError(_("Choose a number from 0 to 10."))
    if not may_change(response, now=now, config=feedback_settings()):
        raise AnswerClosed(_("Your answer was recorded and can no longer be changed. "
                             "Thank you!"))
    comment = comment.strip()[:5000]
    if response.score == score and response.comment == comment:
        return response
    response.score, response.comment = score, comment
    if response.answered_at is None:
        response.answered_at = now
    response.save(update_fields=["score", "comment", "answered_at"])
    return response


def nps_opt_out(*, customer_id: int) -> bool:
    """No more surveys for this customer; True when they were still subscribed."""
    _row, created = NpsOptOut.objects.get_or_create(customer_id=customer_id)
    return created


def nps_opt_in(*, customer_id: int) -> bool:
    deleted, _rows = NpsOptOut.objects.filter(customer_id=customer_id).delete()
    return bool(deleted)


def is_opted_out(customer_id: int) -> bool:
    return NpsOptOut.objects.filter(customer_id=customer_id).exists()


# --- the report ----------------------------------------------------------------------------

@dataclass(frozen=True)
class MonthBar:
    month: datetime
    responses: int
    score: int | None  # the month's NPS


@dataclass(frozen=True)
class NpsReport:
    sent: int
    answered: int
    promoters: int
    passives: int
    detractors: int
    months: list[MonthBar]

    @property
    def score(self) -> int | None:
        """% promoters − % detractors, rounded; None without answers."""
        return nps_score(self.promoters, self.detractors, self.answered)

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.answered / self.sent) if self.sent else None


def nps_score(promoters: int, detractors: int, answered: int) -> int | None:
    if not answered:
        return None
    return round(100 * (promoters - detractors) / answered)


def _buckets() -> dict[str, Any]:
    return {
        "promoters": Count("pk", filter=Q(score__gte=PROMOTER_AT_LEAST)),
        "detractors": Count("pk", filter=Q(score__lte=DETRACTOR_AT_MOST)),
        "answered": Count("pk", filter=Q(score__isnull=False)),
    }


def nps_report(*, now: datetime | None = None, days: int = REPORT_DAYS) -> NpsReport:
    """The last `days` days: surveys sent in them and their answers (3 queries)."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    window = NpsResponse.objects.filter(sent_at__gte=since)
    totals = window.aggregate(sent=Count("pk"), **_buckets())
    months = (window.filter(score__isnull=False)
              .annotate(month=TruncMonth("answered_at")).values("month")
              .annotate(**_buckets()).order_by("month"))
    bars = []
    for row in months:
        values: dict[str, Any] = dict(row)
        bars.append(MonthBar(month=values["month"], responses=values["answered"],
                             score=nps_score(values["promoters"], values["detractors"],
                                             values["answered"])))
    answered = totals["answered"]
    return NpsReport(sent=totals["sent"], answered=answered, promoters=totals["promoters"],
                     detractors=totals["detractors"],
                     passives=answered - totals["promoters"] - totals["detractors"],
                     months=bars)


def nps_comments(*, before: int | None = None, limit: int = 20) -> list[NpsResponse]:
    """Answers with a comment, newest survey first, keyset-paginated by id (one query)."""
    query = (NpsResponse.objects.filter(score__isnull=False).exclude(comment="")
             .select_related("customer").order_by("-pk"))
    if before is not None:
        query = query.filter(pk__lt=before)
    return list(query[:limit])


def nps_settings_update(*, nps_enabled: bool, nps_every_days: int) -> list[str]:
    """Save the survey's settings; returns the names of the fields that changed."""
    config = feedback_settings()
    changed = [name for name, value in (("nps_enabled", nps_enabled),
                                        ("nps_every_days", nps_every_days))
               if getattr(config, name) != value]
    if changed:
        config.nps_enabled, config.nps_every_days = nps_enabled, nps_every_days
        config.updated_at = timezone.now()
        config.save(update_fields=[*changed, "updated_at"])
    return changed
