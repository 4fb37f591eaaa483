"""Each generated ticket's story, message by message, as the rows the funnel and the change
services would have written for it (plain tuples: the writer COPYs them).

The rules are the funnel's own functions: a public message moves the status as
`status_after_message` says, `resolved_at`/`closed_at` follow `stamp_status_times`; the counts
and times (`message_count` of public messages, `first_response_at`, `last_*_message_at`,
`updated_at` = the last activity) and the audit events (created, assignee, replied, note,
status, tags) are those `tickets.intake.receive` and `tickets.services.changes` write.
Assignment is NOT the router's: the history of a year of tickets is drawn at random among the
department's agents, since replaying `pick_assignee` would need every earlier ticket's state
at its time.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from destek.accounts.models import User
from destek.demo.seeding.bodies import Bodies, Body
from destek.demo.seeding.people import People
from destek.demo.seeding.vocabulary import (
    AGENT_DELAY_H,
    AUTO_CLOSE_H,
    CHANNELS,
    CUSTOMER_DELAY_H,
    DONE_OLD,
    DONE_RECENT,
    ISSUES,
    MESSAGES_MU,
    MESSAGES_SIGMA,
    OPEN_AGE_DAYS,
    OPEN_LONG_DAYS,
    OPEN_LONG_SHARE,
    OPEN_STATUS_WEIGHTS,
    PRIORITIES,
    RECENT_DONE_DAYS,
    TLDS,
    WORDS,
)
from destek.tickets.models import AuthorKind, Channel, EventKind, Status, Ticket
from destek.tickets.services.status import stamp_status_times, status_after_message

# The columns of each tuple, in order (the writer maps them onto the models' columns).
TICKET_FIELDS = ("id", "subject", "department", "priority", "status", "channel", "customer",
                 "assignee", "cc_addresses", "message_count", "created_at", "updated_at",
                 "first_response_at", "last_customer_message_at", "last_agent_message_at",
                 "resolved_at", "closed_at", "service")
MESSAGE_FIELDS = ("ticket", "author", "author_kind", "is_internal", "body_html", "body_text",
                  "quoted_text", "channel", "external_id", "created_at")
EVENT_FIELDS = ("ticket", "actor", "kind", "before", "after", "created_at")
TAG_FIELDS = ("ticket", "tag")


@dataclass
class Batch:
    tickets: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    ticket_tags: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Plan:
    """What is decided before the first message: who, where, how it ends."""

    channel: str
    by_agent: bool
    department_id: int
    priority: int
    customer_id: int
    created: datetime
    authors: list[str]  # the kind of each public message's author, the opener first
    status: str  # the final status
    reply_status: str  # the status the agent's last reply sets (resolved, later closed)
    language: str
    assignee: User | None
    replier: User | None  # the agent who writes the agent messages
    subject: str
    note_at: int  # an internal note before this public message (-1: none)

    @property
    def opener_id(self) -> int:
        return self.replier.pk if self.by_agent and self.replier else self.customer_id


@dataclass
class Story:
    """The ticket's row as the messages leave it."""

    status: str = Status.NEW
    moment: datetime | None = None
    first_response: datetime | None = None
    last_customer: datetime | None = None
    last_agent: datetime | None = None
    resolved: datetime | None = None
    closed: datetime | None = None
    last_agent_text: str = ""  # what a customer's email reply quotes


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class TicketGenerator:
    """Simulates each ticket's conversation with the funnel's rules, as plain row tuples."""

    def __init__(self, *, rng: random.Random, people: People, now: datetime, days: int,
                 messages_min: int, messages_max: int, notes_ratio: float, tag_ratio: float,
                 run_tag: str, tickets: int, open_share: float,
                 service_of: Callable[[int], int | None] | None = None) -> None:
        self.rng = rng
        # The service a customer's ticket is about (destek.demo.seeding.services), if any.
        self.service_of = service_of
        self.people = people
        self.now = now
        self.days = days
        self.messages_min = messages_min
        self.messages_max = messages_max
        self.notes_ratio = notes_ratio
        self.tag_ratio = tag_ratio
        self.run_tag = run_tag
        self.channel_labels = {c.value: str(c.label) for c in Channel}
        self.department_ids = [d.pk for d in people.departments]
        self.department_weights = [1.0 / (i + 1) ** 0.7 for i in range(len(self.department_ids))]
        self.public_ids = set(people.public_department_ids)
        self.customer_slots = people.ticket_slots(rng, tickets)
        self.subjects = self._subjects(2000)
        self.bodies = Bodies(rng)
        # Exactly round(share × N) unresolved tickets, chosen as the tickets stream by
        # (selection sampling: each is unresolved with probability still-needed / still-left).
        self.left = tickets
        self.open_left = round(open_share * tickets)
        self.issued = 0
        # Sizes of the bodies written (characters → messages): exact percentiles for the
        # fixture in memory bounded by the number of distinct sizes.
        self.body_sizes: Counter[int] = Counter()
        self.quoted_sizes: Counter[int] = Counter()
        # The funnel's stamp_status_times works on a ticket: one scratch instance carries the
        # times through it (building a Ticket per status change would cost seconds per 100k).
        self.scratch = Ticket()

    # --- vocabulary ------------------------------------------------------------------------

    def _domain(self) -> str:
        rng = self.rng
        return f"{rng.choice(WORDS)}{rng.randint(1, 999)}.example.{rng.choice(TLDS)}"

    def _subjects(self, n: int) -> list[str]:
        return [f"{self.rng.choice(ISSUES)} ({self._domain()})" for _ in range(n)]

    # --- time ------------------------------------------------------------------------------

    def _age_seconds(self, unresolved: bool) -> float:
        span = self.days * 86400
        if unresolved:  # mostly days old, some weeks (on hold, a long migration)
            mean = OPEN_LONG_DAYS if self.rng.random() < OPEN_LONG_SHARE else OPEN_AGE_DAYS
            return min(self.rng.expovariate(1.0 / (mean * 86400)) + 60, span)
        # Spread over the past `days`, a little denser towards today (the business grows).
        return span * self.rng.random() ** 1.15

    def _draw_unresolved(self) -> bool:
        unresolved = self.rng.random() * self.left < self.open_left
        self.left -= 1
        self.open_left -= unresolved
        return unresolved

    def _public_count(self) -> int:
        drawn = round(math.exp(self.rng.gauss(MESSAGES_MU, MESSAGES_SIGMA)))
        return min(max(drawn, self.messages_min), self.messages_max)

    def _delay(self, mean_hours: float, after: datetime) -> datetime:
        seconds = self.rng.expovariate(1.0 / (mean_hours * 3600)) + 30
        moment = after + timedelta(seconds=seconds)
        if moment >= self.now:  # squeeze the rest of a recent conversation into the time left
            room = max((self.now - after).total_seconds() - 1, 0.001)
            moment = after + timedelta(seconds=room * self.rng.uniform(0.05, 0.5))
        return moment

    def _final_status(self, unresolved: bool, age_days: float, answered: bool) -> str:
        if unresolved:
            return str(_weighted(self.rng, OPEN_STATUS_WEIGHTS)) if answered else Status.NEW
        if not answered:
            return Status.CLOSED  # closed by an agent without a reply (spam, duplicate …)
        return str(_weighted(self.rng, DONE_RECENT if age_days <= RECENT_DONE_DAYS
                             else DONE_OLD))

    def _stamp(self, story: Story, old: str, moment: datetime) -> None:
        """resolved_at / closed_at after a status change, by the funnel's own rule."""
        scratch = self.scratch
        scratch.status, scratch.resolved_at, scratch.closed_at = (
            story.status, story.resolved, story.closed)
        stamp_status_times(scratch, old, moment, [])
        story.resolved, story.closed = scratch.resolved_at, scratch.closed_at

    # --- one ticket ------------------------------------------------------------------------

    def ticket(self, ticket_id: int, batch: Batch) -> None:
        plan = self._plan()
        story = Story(moment=plan.created)
        self._conversation(ticket_id, plan, story, batch)
        updated = story.moment
        if story.status != plan.status:  # an agent changed it without replying (ticket_update)
            updated = self._status_change(ticket_id, plan, story, batch)
        self._tags(ticket_id, plan, batch)
        batch.tickets.append((
            ticket_id, plan.subject, plan.department_id, plan.priority, plan.status,
            plan.channel, plan.customer_id, plan.assignee.pk if plan.assignee else None, "[]",
            len(plan.authors), plan.created, updated, story.first_response,
            story.last_customer, story.last_agent, story.resolved, story.closed,
            self.service_of(plan.customer_id) if self.service_of else None,
        ))

    def _plan(self) -> Plan:
        rng = self.rng
        people = self.people
        channel, by_agent = _weighted(rng, [((c, b), w) for c, w, b in CHANNELS])
        department_id = rng.choices(self.department_ids, weights=self.department_weights)[0]
        if not by_agent and department_id not in self.public_ids:
            department_id = rng.choice(people.public_department_ids)
        agents = people.agents_by_department[department_id]
        priority = _weighted(rng, PRIORITIES)
        customer_id = self.customer_slots[self.issued]
        self.issued += 1
        unresolved = self._draw_unresolved()
        age = self._age_seconds(unresolved)
        age_days = age / 86400
        public_count = self._public_count()
        authors = self._authors(by_agent, public_count, recent=age_days <= 3)
        answered = any(a == AuthorKind.AGENT for a in authors[1:]) or (
            by_agent and public_count > 1)
        status = self._final_status(unresolved, age_days, answered)
        if status in (Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED) \
                and answered and authors[-1] != AuthorKind.AGENT:
            authors[-1] = AuthorKind.AGENT  # the agent's last reply set the status
        # An answered ticket is resolved by the last reply and closed by an agent days later.
        reply_status = Status.RESOLVED if status == Status.CLOSED and answered else status
        assignee = None
        if agents and (answered or status == Status.CLOSED or rng.random() < 0.5):
            assignee = rng.choice(agents)
        replier = assignee or (rng.choice(agents) if agents else None)
        subject = rng.choice(self.subjects)
        note_at = rng.randrange(1, public_count) if (
            public_count > 1 and rng.random() < self.notes_ratio) else -1
        return Plan(channel=channel, by_agent=by_agent, department_id=department_id,
                    priority=priority, customer_id=customer_id,
                    created=self.now - timedelta(seconds=age), authors=authors, status=status,
                    reply_status=reply_status, language=people.customer_languages.get(
                        customer_id, "en"),
                    assignee=assignee, replier=replier, subject=subject, note_at=note_at)

    def _authors(self, by_agent: bool, public_count: int, *, recent: bool) -> list[str]:
        """Who writes each public message: the opener, then agent and customer in turn."""
        authors = [AuthorKind.AGENT if by_agent else AuthorKind.CUSTOMER]
        for i in range(1, public_count):
            authors.append(AuthorKind.AGENT if (i % 2 == 1) != by_agent else AuthorKind.CUSTOMER)
        if not by_agent and recent and public_count > 1 and self.rng.random() < 0.15:
            return [AuthorKind.CUSTOMER] * public_count  # unanswered, the customer insists
        return [str(a) for a in authors]

    def _conversation(self, ticket_id: int, plan: Plan, story: Story, batch: Batch) -> None:
        moment = plan.created
        for i, kind in enumerate(plan.authors):
            if i > 0:
                mean = AGENT_DELAY_H[plan.priority] if kind == AuthorKind.AGENT \
                    else CUSTOMER_DELAY_H
                moment = self._delay(mean, moment)
            if i == plan.note_at and plan.replier is not None:
                moment = self._note(ticket_id, plan.replier, moment, batch)
            self._message(ticket_id, plan, i, kind, moment, story, batch)
        story.moment = moment

    def _note(self, ticket_id: int, agent: User, moment: datetime, batch: Batch) -> datetime:
        """An internal note; the time the next public message follows it at."""
        body = self.bodies.note()
        self.body_sizes[len(body.text)] += 1
        batch.messages.append((ticket_id, agent.pk, AuthorKind.AGENT, True, body.html,
                               body.text, "", Channel.DESK, "", moment))
        batch.events.append((ticket_id, agent.pk, EventKind.NOTE, "", body.text[:120], moment))
        moment += timedelta(seconds=self.rng.randint(30, 3600))
        return moment if moment < self.now else self.now - timedelta(seconds=1)

    def _message(self, ticket_id: int, plan: Plan, i: int, kind: str, moment: datetime,
                 story: Story, batch: Batch) -> None:
        """The i-th public message and what it does to the ticket, as `receive` does it."""
        is_agent = kind == AuthorKind.AGENT
        if i == 0:
            author_id: int | None = plan.opener_id
        else:
            author_id = (plan.replier.pk if plan.replier else None) if is_agent \
                else plan.customer_id
        channel = plan.channel if i == 0 else (
            Channel.DESK if is_agent else (plan.channel if plan.channel in (
                Channel.EMAIL, Channel.PORTAL, Channel.CHAT) else Channel.PORTAL))
        body, quoted = self._body(plan, is_agent, channel, moment, story)
        external_id = ""
        if channel == Channel.EMAIL:
            external_id = f"<{ticket_id}.{i}.{self.run_tag}@mail.bench.destek.test>"
        batch.messages.append((ticket_id, author_id, kind, False, body.html, body.text, quoted,
                               channel, external_id, moment))
        text = body.text
        if is_agent:
            story.last_agent = moment
            story.last_agent_text = text
        else:
            story.last_customer = moment
        if i == 0:
            self._opened(ticket_id, plan, moment, batch)
            return
        batch.events.append((ticket_id, author_id, EventKind.REPLIED, "", text[:120], moment))
        old = story.status
        story.status = status_after_message(old, by_agent=is_agent)
        if is_agent:
            if story.first_response is None:
                story.first_response = moment
            if i == len(plan.authors) - 1:
                story.status = plan.reply_status  # the agent's last reply sets the status
        if story.status != old:
            batch.events.append((ticket_id, author_id, EventKind.STATUS, old, story.status,
                                 moment))
            self._stamp(story, old, moment)

    def _body(self, plan: Plan, is_agent: bool, channel: str, moment: datetime,
              story: Story) -> tuple[Body, str]:
        """A body from the pools, and its quoted_text: an email's signature and, in a reply,
        the previous answer quoted (as the mail parser cuts them off)."""
        if is_agent:
            body = self.bodies.for_agent(plan.language)
        else:
            email = channel == Channel.EMAIL
            body = self.bodies.for_customer(plan.language,
                                            as_html=email and self.rng.random() < 0.3)
        quoted = ""
        if not is_agent and channel == Channel.EMAIL:
            if story.last_agent_text and plan.replier is not None:
                quoted = self.bodies.quoted(
                    plan.language, story.last_agent_text, self.people.agent_names[
                        plan.replier.pk], f"{story.last_agent:%Y-%m-%d %H:%M}", body.signature)
            else:
                quoted = body.signature
            if quoted:
                self.quoted_sizes[len(quoted)] += 1
        self.body_sizes[len(body.text)] += 1
        return body, quoted

    def _opened(self, ticket_id: int, plan: Plan, moment: datetime, batch: Batch) -> None:
        batch.events.append((ticket_id, plan.opener_id, EventKind.CREATED, "",
                             self.channel_labels[plan.channel], moment))
        if plan.assignee is not None:
            routed = not plan.by_agent  # the router assigns; an agent opening it takes it
            batch.events.append((ticket_id, None if routed else plan.assignee.pk,
                                 EventKind.ASSIGNEE, "",
                                 self.people.agent_names[plan.assignee.pk], moment))

    def _status_change(self, ticket_id: int, plan: Plan, story: Story,
                       batch: Batch) -> datetime:
        assert story.moment is not None
        auto_close = story.status == Status.RESOLVED and plan.status == Status.CLOSED
        moment = self._delay(AUTO_CLOSE_H if auto_close else AGENT_DELAY_H[plan.priority] * 4,
                             story.moment)
        actor = plan.assignee.pk if plan.assignee else None
        old, story.status = story.status, plan.status
        batch.events.append((ticket_id, actor, EventKind.STATUS, old, plan.status, moment))
        self._stamp(story, old, moment)
        return moment

    def _tags(self, ticket_id: int, plan: Plan, batch: Batch) -> None:
        rng = self.rng
        if rng.random() >= self.tag_ratio:
            return
        chosen = rng.sample(self.people.tags, k=rng.choice((1, 1, 1, 2, 2, 3)))
        for tag in chosen:
            batch.ticket_tags.append((ticket_id, tag.pk))
        batch.events.append((ticket_id, plan.assignee.pk if plan.assignee else None,
                             EventKind.TAGS, "", ", ".join(t.name for t in chosen),
                             plan.created))
