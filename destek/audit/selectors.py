"""Reading the audit log: the admins' search, newest first, a keyset page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from destek.audit.models import AuditEvent
from destek.core.pagination import Page, keyset_page

PAGE_SIZE = 50
ORDERING = [("at", True), ("id", True)]


@dataclass(frozen=True)
class AuditFilters:
    who: str = ""  # part of the recorded address of whoever acted (or tried to sign in)
    action: str = ""
    target: str = ""  # part of the target, e.g. "user:42" or "mail.mailbox"
    ip: str = ""
    since: date | None = None  # from the start of this day (the current time zone)
    until: date | None = None  # to the end of this day


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(filters: AuditFilters) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if filters.who:
        qs = qs.filter(actor_label__icontains=filters.who)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.target:
        qs = qs.filter(target__icontains=filters.target)
    if filters.ip:
        qs = qs.filter(ip=filters.ip)
    if filters.since:
        qs = qs.filter(at__gte=_start_of(filters.since))
    if filters.until:
        qs = qs.filter(at__lt=_start_of(filters.until + timedelta(days=1)))
    return qs


def audit_event_page(*, filters: AuditFilters, cursor: str | None,
                     limit: int = PAGE_SIZE) -> Page[AuditEvent]:
    """One page, newest first, in one query (the label, not the account, says who acted)."""
    return keyset_page(audit_events(filters), ordering=ORDERING, cursor=cursor, limit=limit)
