"""The options every desk page shows, kept per process: departments, colleagues, canned replies.

Each queue and ticket page shows the same departments, colleagues and (on the ticket) canned
responses, and they change a few times a month. Instead of three queries per page, each
process keeps one snapshot of them and reloads it when:

* the version number in the Django cache changes. `bump()` increments it; whatever changes
  a department, a membership, a staff user or a canned response calls it (the admin, through
  `destek.desk.admin`); with REDIS_URL every process and web node sees the new version at
  once, on the embedded locmem cache only the process that made the change does;
* or it is older than SNAPSHOT_TTL seconds, which bounds how long a change made elsewhere (a
  shell, a management command, another process without Redis) can go unseen.

Only ids and labels are cached, for rendering. Forms that write validate against fresh
queries (`destek.desk.lookups`), so a stale option is at worst shown for a moment, never
accepted. What a user may see is not cached per user: the snapshot holds every department
and colleague, and `departments_for` / `agents_for` filter it for the actor on each request.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from destek.accounts.models import STAFF_ROLES, Department, DepartmentMembership, User
from destek.accounts.scope import is_department_limited, works_in_every_department
from destek.tickets.models import CannedResponse

VERSION_KEY = "destek:desk-choices:version"
SNAPSHOT_TTL = 60.0  # seconds
MAX_AGENT_CHOICES = 500  # as destek.desk.lookups
MAX_CANNED_CACHED = 2000  # more than this and canned_for() queries instead


@dataclass(frozen=True, slots=True)
class DepartmentOption:
    id: int
    name: str
    name_tr: str

    def label(self, language: str | None) -> str:
        return self.name_tr if language == "tr" and self.name_tr else self.name

    # The forms' choice helpers accept a Department or a DepartmentOption.
    @property
    def pk(self) -> int:
        return self.id

    def localized_name(self, language: str | None) -> str:
        return self.label(language)


@dataclass(frozen=True, slots=True)
class AgentOption:
    id: int
    label: str  # User.display_name

    # The forms' choice helpers accept a User or an AgentOption.
    @property
    def pk(self) -> int:
        return self.id

    @property
    def display_name(self) -> str:
        return self.label


@dataclass(frozen=True, slots=True)
class CannedOption:
    id: int
    title: str
    language: str
    body: str
    department_id: int | None
    owner_id: int | None  # None: shared; else only its owner sees it
    # A macro's actions (destek.tickets.macros.is_macro: any of them set).
    set_status: str = ""
    set_priority: int | None = None
    add_tags: str = ""
    remove_tags: str = ""
    set_assignee: str = ""
    note: str = ""

    @property
    def pk(self) -> int:
        return self.id


@dataclass
class Snapshot:
    version: int
    loaded_at: float
    departments: tuple[DepartmentOption, ...]
    agents: tuple[AgentOption, ...]
    memberships: dict[int, frozenset[int]]  # agent id → department ids
    canned: tuple[CannedOption, ...] | None  # None: too many to cache, query per page
    by_department: dict[int, tuple[DepartmentOption, ...]] = field(default_factory=dict)


CANNED_COLUMNS = ("pk", "title", "language", "body", "department_id", "owner_id", "set_status",
                  "set_priority", "add_tags", "remove_tags", "set_assignee", "note")

_snapshot: Snapshot | None = None
_lock = threading.Lock()


def current_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # A random start: a flushed cache must not bring back a version an old snapshot has.
        cache.add(VERSION_KEY, secrets.randbits(52), timeout=None)
        version = cache.get(VERSION_KEY)
    return int(version or 0)


def bump() -> None:
    """Make every process reload its snapshot on its next page."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set (or evicted): any fresh random version will do
        cache.set(VERSION_KEY, secrets.randbits(52), timeout=None)


def _load(version: int) -> Snapshot:
    departments = tuple(
        DepartmentOption(id=pk, name=name, name_tr=name_tr)
        for pk, name, name_tr in Department.objects.order_by("name", "pk")
        .values_list("pk", "name", "name_tr")
    )
    agents = tuple(
        AgentOption(id=pk, label=full_name or email)
        for pk, full_name, email in User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        .order_by("full_name", "email", "pk").values_list("pk", "full_name", "email")
        [:MAX_AGENT_CHOICES * 4]
    )
    memberships: dict[int, set[int]] = {}
    for agent_id, department_id in DepartmentMembership.objects.values_list(
            "agent_id", "department_id"):
        memberships.setdefault(agent_id, set()).add(department_id)
    rows = list(
        CannedResponse.objects.order_by("title", "pk")
        .values_list(*CANNED_COLUMNS)[:MAX_CANNED_CACHED + 1]
    )
    canned = None if len(rows) > MAX_CANNED_CACHED else tuple(CannedOption(*row) for row in rows)
    return Snapshot(version=version, loaded_at=time.monotonic(), departments=departments,
                    agents=agents, canned=canned,
                    memberships={k: frozenset(v) for k, v in memberships.items()})


def snapshot() -> Snapshot:
    """The current snapshot: one cache read per call, four queries when it is stale."""
    global _snapshot
    version = current_version()
    found = _snapshot
    if (found is not None and found.version == version
            and time.monotonic() - found.loaded_at < SNAPSHOT_TTL):
        return found
    with _lock:  # one thread of the process reloads; the others wait for its result
        found = _snapshot
        if (found is None or found.version != version
                or time.monotonic() - found.loaded_at >= SNAPSHOT_TTL):
            found = _snapshot = _load(version)
    return found


def departments_for(actor: User, snap: Snapshot | None = None) -> tuple[DepartmentOption, ...]:
    """What destek.desk.lookups.departments_for returns, as options."""
    snap = snap or snapshot()
    if is_department_limited(actor):
        own = snap.memberships.get(actor.pk, frozenset())
        return tuple(d for d in snap.departments if d.id in own)
    if works_in_every_department(actor):
        return snap.departments
    return ()


def agents_for(actor: User, snap: Snapshot | None = None) -> tuple[AgentOption, ...]:
    """What destek.desk.lookups.assignable_agents returns, as options."""
    snap = snap or snapshot()
    if not is_department_limited(actor):
        return snap.agents[:MAX_AGENT_CHOICES]
    own = snap.memberships.get(actor.pk, frozenset())
    return tuple(a for a in snap.agents
                 if own & snap.memberships.get(a.id, frozenset()))[:MAX_AGENT_CHOICES]


def canned_for(department_id: int, snap: Snapshot | None = None, limit: int = 200, *,
               actor_id: int | None = None) -> list[CannedOption]:
    """Canned responses for a ticket of this department (and the general ones), by title:
    the shared ones and `actor_id`'s personal ones."""
    snap = snap or snapshot()
    if snap.canned is None:
        rows = (CannedResponse.objects.filter(department__isnull=True)
                | CannedResponse.objects.filter(department_id=department_id))
        rows = rows.filter(Q(owner__isnull=True) | Q(owner_id=actor_id))
        return [CannedOption(*row) for row in rows.order_by("title", "pk").values_list(
            *CANNED_COLUMNS)[:limit]]
    return [c for c in snap.canned
            if (c.department_id is None or c.department_id == department_id)
            and (c.owner_id is None or c.owner_id == actor_id)][:limit]


def on_options_changed(event: object) -> None:
    """Wired to Settings' changes of what the desk lists (canned responses, departments,
    staff): reload now (this transaction's next page sees
    the change) and again once it is committed, so no process keeps a list it read before."""
    bump()
    transaction.on_commit(bump)
