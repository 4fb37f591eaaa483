"""The SLA rules as pure functions: a ticket's facts + its policy + a clock → its deadlines,
and, at a given instant, which warnings, breaches and escalation steps are due.

No database access here: the event handlers, the breach scan and the bulk recompute all call
these with values they loaded, so the three can never disagree.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from destek.sla.calendar import MINUTE_US, Clock, Pause, deadline, elapsed
from destek.sla.models.state import AlertKind, Metric
from destek.sla.policies import Policy

Stretch = tuple[int, int | None, str]  # (start, end or None, status), times in µs
ESCALATED = (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION)


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about a ticket (instants in µs since the epoch)."""

    created: int
    is_open: bool
    responded: int | None  # first public agent message (first response), if any
    resolved: int | None  # while resolved or closed
    last_agent_message: int | None
    awaiting_since: int | None  # the customer's first unanswered message
    response_cycle: int
    stretches: Sequence[Stretch]


@dataclass(frozen=True)
class Target:
    metric: str
    cycle: int
    minutes: int
    started: int
    due: int | None  # None: the clock is stopped (paused, or the ticket is done)
    warn: int | None
    completed: int | None = None

    @property
    def running(self) -> bool:
        return self.completed is None and self.due is not None


@dataclass
class Computed:
    targets: list[Target] = field(default_factory=list)
    progress_instant: int | None = None  # the latest progress report due at `now`
    progress_next: int | None = None
    # The customer's status update of the latest report, when its grace has run out by
    # `now` (customer_instant) or later (customer_next), and the one after it.
    customer_instant: int | None = None
    customer_next: int | None = None
    customer_following: int | None = None
    paused: bool = False
    paused_us: int = 0

    def running(self) -> list[Target]:
        return [t for t in self.targets if t.running]

    @property
    def due_at(self) -> int | None:
        return min((t.due for t in self.running() if t.due is not None), default=None)

    @property
    def warn_at(self) -> int | None:
        return min((t.warn for t in self.running() if t.warn is not None), default=None)

    def next_target(self) -> Target | None:
        running = [t for t in self.running() if t.due is not None]
        return min(running, key=lambda t: t.due or 0, default=None)


def pauses_for(policy: Policy, stretches: Sequence[Stretch]) -> list[Pause]:
    """The stretches whose status stops the clock, adjacent ones merged."""
    stopping = policy.stopping_statuses
    merged: list[Pause] = []
    for start, end, status in stretches:
        if status not in stopping:
            continue
        if merged and merged[-1][1] is not None and merged[-1][1] >= start:
            previous_end = merged[-1][1]
            merged[-1] = (merged[-1][0], None if end is None else max(previous_end, end))
        else:
            merged.append((start, end))
    return merged


def _target(clock: Clock, policy: Policy, pauses: list[Pause], *, metric: str, cycle: int,
            minutes: int, started: int, completed: int | None) -> Target:
    amount = minutes * MINUTE_US
    due = deadline(clock, started, amount, pauses)
    warn = None
    if policy.warn_percent and due is not None:
        warn = deadline(clock, started, amount * policy.warn_percent // 100, pauses)
    return Target(metric=metric, cycle=cycle, minutes=minutes, started=started, due=due,
                  warn=warn, completed=completed)


def compute(*, facts: Facts, policy: Policy, clock: Clock, now: int) -> Computed:
    """The targets of a ticket under `policy`, evaluated at `now`."""
    pauses = pauses_for(policy, facts.stretches)
    result = Computed(paused=bool(pauses) and pauses[-1][1] is None,
                      paused_us=sum((end if end is not None else now) - start
                                    for start, end in pauses if start <= now))
    if policy.first_response_minutes is not None:
        result.targets.append(_target(
            clock, policy, pauses, metric=Metric.FIRST_RESPONSE, cycle=0,
            minutes=policy.first_response_minutes, started=facts.created,
            completed=facts.responded))
    if policy.next_response_minutes is not None and facts.awaiting_since is not None:
        result.targets.append(_target(
            clock, policy, pauses, metric=Metric.NEXT_RESPONSE, cycle=facts.response_cycle,
            minutes=policy.next_response_minutes, started=facts.awaiting_since,
            completed=None))
    if policy.resolution_minutes is not None:
        result.targets.append(_target(
            clock, policy, pauses, metric=Metric.RESOLUTION, cycle=0,
            minutes=policy.resolution_minutes, started=facts.created,
            completed=None if facts.is_open else facts.resolved))
    if policy.progress_every_minutes and facts.is_open:
        _progress(result, facts, policy, clock, now)
    return result


def grace_minutes(policy: Policy) -> int:
    """How long the assignee has, after the reminder, to write before the customer gets a
    status update: the policy's own figure (empty: a quarter of the period), at most half
    of the period."""
    every = policy.progress_every_minutes or 0
    grace = policy.progress_grace_minutes
    if grace is None:
        grace = every // 4
    return max(0, min(grace, every // 2))


def _progress(result: Computed, facts: Facts, policy: Policy, clock: Clock, now: int) -> None:
    """Reports are due every `progress_every_minutes` of clock time without a public agent
    update; only the latest one due counts (no pile of reminders after downtime). The
    assignee is reminded at the report; the customer is updated `grace_minutes` later if
    nothing public was written by then. Pauses do not stop reports: a ticket on hold is
    exactly the one whose customer wants to hear what it waits for."""
    assert policy.progress_every_minutes
    every = policy.progress_every_minutes * MINUTE_US
    base = max(facts.created, facts.last_agent_message or facts.created)
    spent = elapsed(clock, base, now, ())
    periods = spent // every
    if periods >= 1:
        result.progress_instant = deadline(clock, base, periods * every, ())
    result.progress_next = deadline(clock, base, (periods + 1) * every, ())
    if not policy.progress_customer_update:
        return
    grace = grace_minutes(policy) * MINUTE_US
    if periods >= 1:
        if spent >= periods * every + grace:
            result.customer_instant = deadline(clock, base, periods * every + grace, ())
        else:
            result.customer_next = deadline(clock, base, periods * every + grace, ())
    result.customer_following = deadline(clock, base, (periods + 1) * every + grace, ())


@dataclass(frozen=True)
class Action:
    metric: str
    kind: str
    cycle: int
    due: int | None
    skipped: bool = False  # recorded, not sent (a warning overtaken by its breach)
    target: Target | None = None
    next_update: int | None = None  # a customer update: when the next one is due


def steps(target: Target, policy: Policy) -> list[tuple[str, int]]:
    """The escalation chain of a running target: (kind, instant), in order."""
    if target.due is None:
        return []
    chain: list[tuple[str, int]] = []
    if target.warn is not None:
        chain.append((AlertKind.WARNING, target.warn))
    chain.append((AlertKind.BREACH, target.due))
    if policy.supervisor_after_minutes is not None:
        chain.append((AlertKind.SUPERVISOR,
                      target.due + policy.supervisor_after_minutes * MINUTE_US))
    if policy.reassign_after_minutes is not None:
        chain.append((AlertKind.REASSIGN, target.due + policy.reassign_after_minutes * MINUTE_US))
    return chain


def progress_cycle(facts: Facts, instant: int) -> int:
    """A stable number for one progress report: minutes from the ticket's creation."""
    return (instant - facts.created) // MINUTE_US


def check_candidates(computed: Computed, policy: Policy) -> list[int]:
    """Every instant at which the scan may have something to do for this ticket."""
    instants = [at for t in computed.running() for _kind, at in steps(t, policy)]
    instants += [at for at in (computed.progress_instant, computed.progress_next,
                               computed.customer_instant, computed.customer_next)
                 if at is not None]
    return instants


def due_actions(*, computed: Computed, facts: Facts, policy: Policy, now: int,
                done: Collection[tuple[str, str, int]]) -> tuple[list[Action], int | None]:
    """What is due at `now` and not in `done` (metric, kind, cycle), and the next instant to
    look again. A warning whose breach has come too is recorded as skipped: catching up
    after downtime sends one breach, not a warning and a breach."""
    actions: list[Action] = []
    upcoming: list[int] = []
    for target in computed.running():
        for kind, at in steps(target, policy):
            if at > now:
                upcoming.append(at)
                continue
            if (target.metric, kind, target.cycle) in done:
                continue
            skipped = kind == AlertKind.WARNING and target.due is not None \
                and target.due <= now
            actions.append(Action(metric=target.metric, kind=kind, cycle=target.cycle,
                                  due=target.due, skipped=skipped, target=target))
    if computed.progress_instant is not None and computed.progress_instant <= now:
        cycle = progress_cycle(facts, computed.progress_instant)
        if (Metric.PROGRESS, AlertKind.REMINDER, cycle) not in done:
            actions.append(Action(metric=Metric.PROGRESS, kind=AlertKind.REMINDER, cycle=cycle,
                                  due=computed.progress_instant,
                                  next_update=computed.customer_next))
        if computed.customer_instant is not None and computed.customer_instant <= now \
                and (Metric.PROGRESS, AlertKind.CUSTOMER_UPDATE, cycle) not in done:
            actions.append(Action(metric=Metric.PROGRESS, kind=AlertKind.CUSTOMER_UPDATE,
                                  cycle=cycle, due=computed.customer_instant,
                                  next_update=computed.customer_following))
    upcoming += [at for at in (computed.progress_next, computed.customer_next)
                 if at is not None]
    return actions, min(upcoming, default=None)
