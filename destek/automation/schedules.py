"""Time-based automations: "tickets in <status> for <hours> since <field> → actions".

Each run reads only the tickets that crossed the threshold since the previous run:
`status = S AND field >= cursor AND field < now - hours`, an index range on
ticket_status_recent (status, updated_at) or ticket_status_resolved (status, resolved_at),
in batches in (field, id) order; the first run (no cursor) reads everything below the
threshold, still in batches. A ticket that is touched again moves its `updated_at` past the
cursor and is found again when it crosses anew, which is what "untouched for N hours" means.

Once only: each firing inserts `AutomationApplied(automation, ticket, anchor=field value)`
before acting, and the unique constraint decides when two runs meet (two beats at once, a
run retried after a crash): the second insert fails and that ticket is skipped. The cursor
moves only after a batch committed, so a run killed halfway starts again from its last
batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from destek.accounts.models import Department
from destek.automation import actions
from destek.automation.models import Automation, AutomationApplied, AutomationField
from destek.core.errors import ApplicationError
from destek.tickets.models import Priority, Ticket

logger = logging.getLogger(__name__)

BATCH = 200
MAX_BATCHES = 50  # per automation and run: a backlog goes on at the next beat
PREVIEW_LIMIT = 50
MAX_HOURS = 24 * 366

# The shipped automations' names (the data migration 0002_shipped_automations stores them in
# the site's language): shown in the reader's language as long as the admin kept them.
SHIPPED_NAMES = {
    "close_resolved": gettext_noop("Close tickets resolved for 7 days"),
    "remind_pending": gettext_noop("Remind the customer of a ticket pending for 3 days"),
    "escalate_untouched": gettext_noop("Escalate tickets untouched for 24 hours"),
}


def automation_label(automation: Automation) -> str:
    """The automation's name, in the reader's language for a shipped one left as shipped."""
    english = SHIPPED_NAMES.get(automation.default_key)
    if english is None:
        return automation.name
    with translation.override("tr"):
        turkish = _(english)
    return _(english) if automation.name in (english, turkish) else automation.name


# --- the conditions an automation may add -----------------------------------------------------
# Until the engine's `conditions.compile` is shared by both, automations support the
# conditions that are columns of the ticket, applied in the candidates' query.

CONDITION_KEYS = ("department_ids", "priorities", "tags_any", "tags_none")


def validate_conditions(doc: Any) -> dict[str, list[Any]]:
    if doc in (None, ""):
        doc = {}
    if not isinstance(doc, dict):
        raise ApplicationError(_("The conditions must be a JSON object."), field="conditions")
    unknown = sorted(set(doc) - set(CONDITION_KEYS))
    if unknown:
        raise ApplicationError(
            _("Automations cannot use the condition %(name)s.") % {"name": unknown[0]},
            field=str(unknown[0]))
    clean: dict[str, list[Any]] = {}
    for key in CONDITION_KEYS:
        value = doc.get(key) or []
        if not isinstance(value, list):
            raise ApplicationError(_("Choose from the list."), field=key)
        if key in ("department_ids", "priorities"):
            try:
                items: list[Any] = sorted({int(v) for v in value})
            except (TypeError, ValueError):
                raise ApplicationError(_("Choose from the list."), field=key) from None
            if key == "priorities" and not set(items) <= set(Priority.values):
                raise ApplicationError(_("Choose a valid priority."), field=key)
            if key == "department_ids" and \
                    Department.objects.filter(pk__in=items).count() != len(items):
                raise ApplicationError(_("Choose a valid department."), field=key)
        else:
            items = actions.clean_tags(value, key)
        if items:
            clean[key] = items
    return clean


def _filtered(qs: QuerySet[Ticket], conditions: dict[str, list[Any]]) -> QuerySet[Ticket]:
    if conditions.get("department_ids"):
        qs = qs.filter(department_id__in=conditions["department_ids"])
    if conditions.get("priorities"):
        qs = qs.filter(priority__in=conditions["priorities"])
    tagged = Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"))
    if conditions.get("tags_any"):
        qs = qs.filter(Exists(tagged.filter(tag__name__in=conditions["tags_any"])))
    if conditions.get("tags_none"):
        qs = qs.filter(~Exists(tagged.filter(tag__name__in=conditions["tags_none"])))
    return qs


# --- candidates --------------------------------------------------------------------------------

def threshold_of(automation: Automation, now: datetime) -> datetime:
    return now - timedelta(hours=automation.hours)


def _in_range(automation: Automation, *, lower: datetime | None,
              upper: datetime) -> QuerySet[Ticket]:
    name = automation.field
    qs = Ticket.objects.filter(status=automation.status, **{f"{name}__lt": upper})
    if name == AutomationField.RESOLVED_AT:
        qs = qs.filter(resolved_at__isnull=False)  # the partial index's predicate
    if lower is not None:
        qs = qs.filter(**{f"{name}__gte": lower})
    return _filtered(qs, automation.conditions or {})


def _next_batch(automation: Automation, *, lower: datetime | None, upper: datetime,
                after: tuple[datetime, int] | None, size: int) -> list[tuple[datetime, int]]:
    """The next (field value, id) pairs in (field, id) order: a keyset walk of the index."""
    name = automation.field
    qs = _in_range(automation, lower=lower, upper=upper)
    if after is not None:
        qs = qs.filter(Q(**{f"{name}__gt": after[0]}) | Q(**{name: after[0], "pk__gt": after[1]}))
    return list(qs.order_by(name, "pk").values_list(name, "pk")[:size])


# --- a run -------------------------------------------------------------------------------------

@dataclass
class RunResult:
    automation_id: int
    scanned: int = 0
    fired: int = 0
    finished: bool = True  # False: the run stopped at MAX_BATCHES, the next goes on


def run_due(*, now: datetime | None = None) -> list[RunResult]:
    """Every active automation, once (the beat task)."""
    results = []
    for automation in Automation.objects.filter(is_active=True).order_by("position", "pk"):
        try:
            results.append(run_automation(automation, now=now))
        except Exception:  # one broken automation must not stop the others
            logger.exception("automation %s failed", automation.pk)
    return results


def run_automation(automation: Automation, *, now: datetime | None = None,
                   max_batches: int = MAX_BATCHES) -> RunResult:
    now = now or timezone.now()
    upper = threshold_of(automation, now)
    lower = automation.cursor
    result = RunResult(automation_id=automation.pk)
    after: tuple[datetime, int] | None = None
    for _batch in range(max_batches):
        rows = _next_batch(automation, lower=lower, upper=upper, after=after, size=BATCH)
        if not rows:
            break
        result.scanned += len(rows)
        result.fired += _fire_batch(automation, [pk for _value, pk in rows], upper)
        after = rows[-1]
        if len(rows) < BATCH:
            break
        # Committed: a run killed from here on starts again at this batch's end.
        Automation.objects.filter(pk=automation.pk).update(cursor=after[0])
    else:
        result.finished = False
    cursor = upper if result.finished else (after[0] if after else lower)
    Automation.objects.filter(pk=automation.pk).update(
        cursor=cursor, last_run_at=now, last_run_count=result.fired)
    automation.cursor, automation.last_run_at, automation.last_run_count = (
        cursor, now, result.fired)
    return result


def _fire_batch(automation: Automation, ids: list[int], upper: datetime) -> int:
    """Lock the batch's tickets (in id order: two runs never deadlock), check each again,
    claim the firing with the unique row, act. One transaction per batch."""
    name = automation.field
    fired = 0
    with transaction.atomic():
        locked = (_in_range(automation, lower=None, upper=upper)
                  .select_for_update(of=("self",))
                  .select_related("customer", "department", "assignee")
                  .filter(pk__in=ids).order_by("pk"))
        for ticket in locked:
            anchor = getattr(ticket, name)
            if ticket.status != automation.status or anchor is None or anchor >= upper:
                continue  # changed while we waited for its lock
            try:
                with transaction.atomic():
                    AutomationApplied.objects.create(automation=automation, ticket=ticket,
                                                     anchor=anchor)
                    actions.apply(ticket=ticket, doc=automation.actions,
                                  rule_name=automation.name, happening=None,
                                  key=f"automation-{automation.pk}-{anchor.timestamp():.6f}")
            except IntegrityError:
                continue  # fired already, by an earlier run or one running now
            except ApplicationError as error:
                logger.warning("automation %s on ticket %s: %s", automation.pk, ticket.pk,
                               error.message)
                continue
            fired += 1
        if fired:
            Automation.objects.filter(pk=automation.pk).update(
                fire_count=F("fire_count") + fired)
    return fired


# --- the dry run ------------------------------------------------------------------------------

@dataclass
class AutomationPreview:
    tickets: list[Ticket] = field(default_factory=list)  # customer, department loaded
    would_do: list[str] = field(default_factory=list)
    has_more: bool = False


def preview_automation(*, status: str, field_name: str, hours: int,
                       conditions: dict[str, Any] | None, actions_doc: dict[str, Any],
                       cursor: datetime | None = None, automation_id: int | None = None,
                       limit: int = PREVIEW_LIMIT, now: datetime | None = None
                       ) -> AutomationPreview:
    """The tickets a run would act on now (at most `limit`, oldest first) and what it would
    do, without writing anything. Arguments as validated by schedule_services (a saved
    automation: its cursor and id, so the tickets it fired on already are left out)."""
    probe = Automation(pk=automation_id, status=status, field=field_name, hours=hours,
                       conditions=conditions or {}, actions=actions_doc, cursor=cursor)
    upper = threshold_of(probe, now or timezone.now())
    qs = _in_range(probe, lower=cursor, upper=upper)
    if automation_id is not None:
        qs = qs.exclude(Exists(AutomationApplied.objects.filter(
            automation_id=automation_id, ticket_id=OuterRef("pk"), anchor=OuterRef(field_name))))
    found = list(qs.select_related("customer", "department", "assignee")
                 .order_by(field_name, "pk")[:limit + 1])
    return AutomationPreview(tickets=found[:limit], would_do=actions.describe(actions_doc),
                             has_more=len(found) > limit)
