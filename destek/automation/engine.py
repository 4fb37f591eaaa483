"""Running the triggers on a happening: the active triggers of its event, in position order,
each whose conditions hold does its actions; "stop here" ends the list.

The triggers are compiled once per AutomationSettings.version and kept per process (as the
routing rules are): a happening costs one cache read of the version, and no query while no
trigger's conditions need the database (conditions.TicketFacts reads only what is asked).

Loop protection: a trigger's change publishes events that run triggers again (a priority
change → "priority changed"), nested in the first run. Within one originating happening a
trigger fires at most once per ticket (so its own change never re-fires it), and nesting
stops at MAX_DEPTH."""

from __future__ import annotations

import importlib
import logging
import threading
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from destek.automation import conditions
from destek.automation.happenings import Happening
from destek.automation.models import AutomationSettings, Trigger
from destek.tickets import events
from destek.tickets.models import EventKind, Ticket, TicketEvent

logger = logging.getLogger(__name__)

MAX_DEPTH = 3


@dataclass(frozen=True)
class CompiledTrigger:
    id: int
    name: str
    condition: conditions.Condition
    actions: dict[str, Any]
    stop_here: bool


@dataclass(frozen=True)
class Triggers:
    version: int
    by_event: dict[str, tuple[CompiledTrigger, ...]]

    def for_event(self, event: str) -> tuple[CompiledTrigger, ...]:
        return self.by_event.get(event, ())


_lock = threading.Lock()
_cached: Triggers | None = None


# The version is read from the cache, not the database: every ticket change runs the engine,
# and a query there would be one more in every change's budget. A miss reads the row and
# caches it (add: never over a newer value a change just set); with the embedded per-process
# memory cache, a change made by another process is seen within TTL seconds.
VERSION_KEY = "destek:automation:version:v1"
VERSION_TTL = 60


def _version_in_database() -> int:
    found = AutomationSettings.objects.order_by("pk").values_list("version", flat=True).first()
    return int(found) if found is not None else 0


def current_version() -> int:
    """One cache read; a database read when the cache has no version."""
    found = cache.get(VERSION_KEY)
    if found is not None:
        return int(found)
    version = _version_in_database()
    cache.add(VERSION_KEY, version, timeout=VERSION_TTL)
    return version


def load_triggers(*, version: int | None = None) -> Triggers:
    """The compiled active triggers; one query (the version) while nothing changed."""
    global _cached
    version = current_version() if version is None else version
    cached = _cached
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        by_event: dict[str, list[CompiledTrigger]] = {}
        for row in Trigger.objects.filter(is_active=True).order_by("position", "id"):
            try:
                condition = conditions.compile(row.conditions or {})
            except (TypeError, ValueError):  # a row edited by hand past validation
                logger.warning("Trigger %s has invalid conditions; skipped", row.pk)
                continue
            compiled = CompiledTrigger(id=row.pk, name=row.name, condition=condition,
                                       actions=dict(row.actions or {}), stop_here=row.stop_here)
            for event in row.events or []:
                by_event.setdefault(str(event), []).append(compiled)
        triggers = Triggers(version=version,
                            by_event={k: tuple(v) for k, v in by_event.items()})
        _cached = triggers
    return triggers


def forget_triggers() -> None:
    global _cached
    _cached = None


def triggers_changed() -> None:
    """After any change to the triggers: every process recompiles them. The cached version is
    dropped now (this process reads the database meanwhile) and set to the new one once the
    change commits, so no process compiles the rows of a change that may still roll back."""
    if not AutomationSettings.objects.filter(pk=1).update(version=F("version") + 1):
        AutomationSettings.objects.get_or_create(pk=1, defaults={"version": 2})
    version = _version_in_database()
    cache.delete(VERSION_KEY)
    forget_triggers()
    transaction.on_commit(lambda: cache.set(VERSION_KEY, version, timeout=VERSION_TTL))


# --- loop protection -------------------------------------------------------------------------

@dataclass
class _Run:
    """One originating happening and everything its triggers' changes set off."""

    depth: int = 0
    fired: set[tuple[int, int]] = field(default_factory=set)  # (trigger id, ticket id)


_current: ContextVar[_Run | None] = ContextVar("automation_run", default=None)


def run(happening: Happening) -> None:
    """Run the active triggers subscribed to `happening.event`, in order."""
    ticket = happening.ticket
    if ticket is None:  # a chat without a ticket: actions act on tickets
        return
    state = _current.get()
    if state is not None and state.depth >= MAX_DEPTH:
        logger.warning("Triggers nested %s deep on ticket %s; stopped", state.depth, ticket.pk)
        return
    triggers = load_triggers().for_event(happening.event)
    if not triggers:
        return
    token = _current.set(_Run()) if state is None else None
    try:
        _run(happening, ticket, triggers, _current.get() or _Run())
    finally:
        if token is not None:
            _current.reset(token)


def _run(happening: Happening, ticket: Ticket, triggers: tuple[CompiledTrigger, ...],
         state: _Run) -> None:
    facts = conditions.TicketFacts(happening)
    for trigger in triggers:
        if (trigger.id, ticket.pk) in state.fired:
            continue
        if not trigger.condition.matches(happening, facts):
            continue
        state.fired.add((trigger.id, ticket.pk))
        state.depth += 1
        try:
            _fire(trigger, ticket, happening)
        finally:
            state.depth -= 1
        if trigger.stop_here:
            break


def _fire(trigger: CompiledTrigger, ticket: Ticket, happening: Happening) -> None:
    """The trigger's actions in a savepoint: one broken rule (an assignee who left the
    department) never fails the change that set it off."""
    started = timezone.now()
    try:
        with transaction.atomic():
            done = _apply(ticket=ticket, doc=trigger.actions, rule_name=trigger.name,
                          happening=happening)
            # A field change went through ticket_update(rule=…), which wrote "Rule applied";
            # a firing that only sent or posted something is written here (one indexed
            # look-up per firing, never for a rule that did not fire).
            if done and not _recorded(ticket, trigger.name, since=started):
                events.record(ticket=ticket, actor=None, kind=EventKind.AUTOMATION,
                              after=trigger.name)
    except Exception:
        logger.exception("Trigger %s (%s) failed on ticket %s", trigger.id, trigger.name,
                         ticket.pk)
        return
    if done:
        Trigger.objects.filter(pk=trigger.id).update(fire_count=F("fire_count") + 1,
                                                     last_fired_at=timezone.now())


def _recorded(ticket: Ticket, name: str, *, since: datetime) -> bool:
    return TicketEvent.objects.filter(ticket=ticket, kind=EventKind.AUTOMATION,
                                      after=name[:255], created_at__gte=since).exists()


def actions_module() -> ModuleType:
    """destek.automation.actions, written beside this module (issue 19, "actions"): looked
    up at the call so the engine, the dry run and the services stand alone until both parts
    are merged (then a plain import can replace this)."""
    return importlib.import_module("destek.automation.actions")


def _apply(*, ticket: Ticket, doc: dict[str, Any], rule_name: str,
           happening: Happening) -> list[str]:
    return list(actions_module().apply(ticket=ticket, doc=doc, rule_name=rule_name,
                                       happening=happening))
