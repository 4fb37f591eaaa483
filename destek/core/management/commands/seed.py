"""`destek seed`: a fast generator of realistic help-desk data for benchmarks.

It writes rows directly (COPY on PostgreSQL, bulk_create elsewhere) and so BYPASSES the intake
funnel on purpose: opening 100,000 tickets through `tickets.intake.receive` one transaction at a
time would take the best part of an hour. The rows it writes are the ones the funnel and the
change services would have produced for the same story: each ticket is simulated message by
message with the funnel's rules (status new -> open on the first agent reply, a customer reply
reopens, `message_count` counts public messages, `first_response_at`, `last_*_message_at`,
`resolved_at`/`closed_at` as `stamp_status_times` sets them, `updated_at` = the last activity)
and gets the audit events the funnel writes (created, assignee, replied, note, status, tags).
No outbox rows, notifications or real-time events are produced.
"""

from __future__ import annotations

import bisect
import json
import os
import random
import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction

from destek.accounts.models import (
    AssignmentMode,
    Department,
    DepartmentMembership,
    Organization,
    Role,
    User,
)
from destek.core.sanitize import text_to_html
from destek.tickets.models import (
    AuthorKind,
    Channel,
    EventKind,
    Message,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)

DEPARTMENTS = [
    ("Technical support", "Teknik destek"), ("Billing", "Muhasebe"), ("Sales", "Satış"),
    ("Domains", "Alan adları"), ("Servers and VPS", "Sunucular ve VPS"),
    ("Email hosting", "E-posta barındırma"), ("Migrations", "Taşıma"),
    ("Abuse", "Kötüye kullanım"),
]
ASSIGNMENT_MODES = [AssignmentMode.ROUND_ROBIN, AssignmentMode.LEAST_LOADED,
                    AssignmentMode.MANUAL]
TAGS = [
    "dns", "ssl", "wordpress", "email", "smtp", "imap", "backup", "restore", "migration",
    "php", "mysql", "cpanel", "plesk", "vps", "dedicated", "invoice", "refund", "renewal",
    "domain-transfer", "whois", "malware", "spam", "ddos", "performance", "upgrade", "cron",
]
FIRST_NAMES = ["Ayşe", "Mehmet", "Deniz", "Elif", "Can", "Zeynep", "Emre", "Selin", "Burak",
               "Ece", "John", "Maria", "Ahmet", "Fatma", "Oğuz", "Gül", "Peter", "Anna",
               "Hakan", "Sibel", "Kerem", "İrem", "David", "Sophie", "Murat", "Çağla"]
LAST_NAMES = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın",
              "Arslan", "Doğan", "Smith", "Müller", "Rossi", "García", "Koç", "Kurt", "Polat",
              "Özdemir", "Erdem", "Güneş", "Brown", "Schmidt", "Aksoy", "Tekin"]
ISSUES = [
    "Website returns 500 error", "Cannot send email", "SSL certificate expired",
    "DNS not propagating", "Site is very slow", "Backup restore request", "Invoice question",
    "Upgrade my plan", "Domain transfer", "Disk quota exceeded", "PHP version change",
    "MySQL connection refused", "WordPress login loop", "Mail goes to spam",
    "VPS unreachable", "Refund request", "Cron job not running", "FTP login failed",
    "Web sitem açılmıyor", "E-posta gönderemiyorum", "SSL sertifikası yenileme",
    "Alan adı transferi", "Fatura hakkında", "Sunucu yanıt vermiyor", "Yedekten geri yükleme",
]
TLDS = ["com", "com.tr", "net", "org", "io", "shop", "web.tr", "de"]
WORDS = ["shop", "cafe", "studio", "tech", "market", "blog", "clinic", "hotel", "auto",
         "design", "media", "yapi", "gida", "tekstil", "turizm", "hukuk", "emlak"]
CUSTOMER_SENTENCES = [
    "Since this morning my site {d} shows an error page.",
    "I changed nothing on my side and it stopped working.",
    "Could you please check the server logs?",
    "This is urgent, our online shop is losing orders.",
    "I attached a screenshot of the error.",
    "Merhaba, {d} alan adım çalışmıyor.",
    "Acil dönüş yapabilir misiniz?",
    "Outlook keeps asking for my password.",
    "The invoice amount does not match my plan.",
    "I would like to move to a bigger package.",
    "Thanks, it works now!",
    "It is still not working, same error as before.",
]
AGENT_SENTENCES = [
    "Thank you for contacting us about {d}.",
    "I have checked the server and restarted the web service.",
    "The DNS records were updated; propagation can take up to 24 hours.",
    "Your SSL certificate has been renewed and installed.",
    "Could you tell us when exactly the problem started?",
    "I have escalated this to our systems team.",
    "Merhaba, sorununuz giderilmiştir.",
    "Please clear your browser cache and try again.",
    "We restored yesterday's backup as requested.",
    "Best regards,",
]
NOTE_SENTENCES = ["Customer is on the legacy plan, check billing first.",
                  "Node web-12 had high load at that time.", "Müşteri telefonla da aradı.",
                  "Waiting for the upstream provider."]
CHANNELS = [  # (channel, weight, opened by an agent)
    (Channel.EMAIL, 40, False), (Channel.PORTAL, 35, False), (Channel.API, 8, False),
    (Channel.CHAT, 8, False), (Channel.DESK, 5, True), (Channel.PHONE, 4, True),
]
PRIORITIES = [(Priority.LOW, 15), (Priority.NORMAL, 55), (Priority.HIGH, 22),
              (Priority.CRITICAL, 8)]
# Mean first-response and reply delays by priority, in hours.
AGENT_DELAY_H = {Priority.CRITICAL: 0.7, Priority.HIGH: 3, Priority.NORMAL: 8, Priority.LOW: 18}
CUSTOMER_DELAY_H = 14.0
# Final status by ticket age, for tickets an agent has answered.
STATUS_BY_AGE: list[tuple[int, list[tuple[str, float]]]] = [  # (max age in days, weights)
    (3, [(Status.OPEN, 45), (Status.PENDING, 30), (Status.ON_HOLD, 5), (Status.RESOLVED, 15),
         (Status.CLOSED, 5)]),
    (30, [(Status.OPEN, 10), (Status.PENDING, 10), (Status.ON_HOLD, 3), (Status.RESOLVED, 32),
          (Status.CLOSED, 45)]),
    (10**6, [(Status.OPEN, 0.6), (Status.PENDING, 0.6), (Status.ON_HOLD, 0.3),
             (Status.RESOLVED, 8), (Status.CLOSED, 90)]),
]
UNANSWERED_NEW_DAYS = 5  # a one-message ticket older than this was closed by an agent
BENCH_AGENT_EMAIL = "bench-agent@bench.destek.test"
BENCH_CUSTOMER_EMAIL = "bench-customer{n}@bench.destek.test"
DEFAULT_OUT = Path("bench/results/fixture.json")


@dataclass
class People:
    departments: list[Department]
    public_department_ids: list[int]
    agents_by_department: dict[int, list[User]]
    agent_names: dict[int, str]
    customer_ids: list[int]
    customer_weights: list[float]
    tags: list[Tag]


@dataclass
class Batch:
    tickets: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    ticket_tags: list[tuple[int, int]] = field(default_factory=list)


TICKET_COLUMNS = ("id", "subject", "department_id", "priority", "status", "channel",
                  "customer_id", "assignee_id", "cc_addresses", "message_count", "created_at",
                  "updated_at", "first_response_at", "last_customer_message_at",
                  "last_agent_message_at", "resolved_at", "closed_at")
MESSAGE_COLUMNS = ("ticket_id", "author_id", "author_kind", "is_internal", "body_html",
                   "body_text", "channel", "external_id", "created_at")
EVENT_COLUMNS = ("ticket_id", "actor_id", "kind", "before", "after", "created_at")
TAG_COLUMNS = ("ticket_id", "tag_id")


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class TicketGenerator:
    """Simulates each ticket's conversation with the funnel's rules, as plain row tuples."""

    def __init__(self, *, rng: random.Random, people: People, now: datetime, days: int,
                 messages_min: int, messages_max: int, notes_ratio: float, tag_ratio: float,
                 run_tag: str) -> None:
        self.rng = rng
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
        self.customer_cum = _cumulative(people.customer_weights)
        self.subjects = self._subjects(2000)
        self.customer_bodies = self._bodies(CUSTOMER_SENTENCES, 400)
        self.agent_bodies = self._bodies(AGENT_SENTENCES, 400)
        self.note_bodies = self._bodies(NOTE_SENTENCES, 50)

    def _domain(self) -> str:
        rng = self.rng
        return f"{rng.choice(WORDS)}{rng.randint(1, 999)}.example.{rng.choice(TLDS)}"

    def _subjects(self, n: int) -> list[str]:
        return [f"{self.rng.choice(ISSUES)} ({self._domain()})" for _ in range(n)]

    def _bodies(self, sentences: list[str], n: int) -> list[tuple[str, str]]:
        bodies = []
        for _ in range(n):
            paragraphs = []
            for _p in range(self.rng.randint(1, 3)):
                count = self.rng.randint(1, 4)
                picked = self.rng.choices(sentences, k=count)
                paragraphs.append(" ".join(s.format(d=self._domain()) for s in picked))
            text = "\n\n".join(paragraphs)
            bodies.append((text_to_html(text), text))
        return bodies

    def _age_seconds(self) -> float:
        # Spread over the past `days`, a little denser towards today (the business grows).
        return self.days * 86400 * self.rng.random() ** 1.15

    def _delay(self, mean_hours: float, after: datetime) -> datetime:
        seconds = self.rng.expovariate(1.0 / (mean_hours * 3600)) + 30
        moment = after + timedelta(seconds=seconds)
        if moment >= self.now:  # squeeze the rest of a recent conversation into the time left
            room = max((self.now - after).total_seconds() - 1, 0.001)
            moment = after + timedelta(seconds=room * self.rng.uniform(0.05, 0.5))
        return moment

    def _final_status(self, age_days: float, answered: bool, public_count: int) -> str:
        if not answered:
            if public_count == 1 and age_days > UNANSWERED_NEW_DAYS:
                return Status.CLOSED  # closed by an agent without a reply (spam, duplicate …)
            return Status.NEW
        for max_age, weights in STATUS_BY_AGE:
            if age_days <= max_age:
                return _weighted(self.rng, weights)
        raise AssertionError("unreachable")

    def ticket(self, ticket_id: int, batch: Batch) -> None:
        rng = self.rng
        people = self.people
        channel, by_agent = _weighted(rng, [((c, b), w) for c, w, b in CHANNELS])
        department_id = rng.choices(self.department_ids, weights=self.department_weights)[0]
        if not by_agent and department_id not in self.public_ids:
            department_id = rng.choice(people.public_department_ids)
        agents = people.agents_by_department[department_id]
        priority = _weighted(rng, PRIORITIES)
        customer_id = people.customer_ids[_pick(self.customer_cum, rng.random())]
        age = self._age_seconds()
        created = self.now - timedelta(seconds=age)
        age_days = age / 86400
        public_count = rng.randint(self.messages_min, self.messages_max)
        recent = age_days <= 3
        # Who writes each public message: the opener, then agent and customer in turn.
        authors = [AuthorKind.AGENT if by_agent else AuthorKind.CUSTOMER]
        for i in range(1, public_count):
            authors.append(AuthorKind.AGENT if (i % 2 == 1) != by_agent else AuthorKind.CUSTOMER)
        if not by_agent and recent and public_count > 1 and rng.random() < 0.15:
            authors = [AuthorKind.CUSTOMER] * public_count  # unanswered, the customer insists
        answered = any(a == AuthorKind.AGENT for a in authors[1:]) or (
            by_agent and public_count > 1)
        status = self._final_status(age_days, answered, public_count)
        if status in (Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED) \
                and answered and authors[-1] != AuthorKind.AGENT:
            authors[-1] = AuthorKind.AGENT  # the agent's last reply set the status
        assignee = None
        if agents and (answered or status == Status.CLOSED or rng.random() < 0.5):
            assignee = rng.choice(agents)
        agent_for_reply = assignee or (rng.choice(agents) if agents else None)
        opener_id = agent_for_reply.pk if by_agent and agent_for_reply else customer_id

        subject = rng.choice(self.subjects)
        events = batch.events
        messages = batch.messages
        state: str = Status.NEW
        moment = created
        first_response = last_customer = last_agent = resolved = closed = None
        note_at = rng.randrange(1, public_count) if (
            public_count > 1 and rng.random() < self.notes_ratio) else -1
        for i, kind in enumerate(authors):
            if i > 0:
                mean = AGENT_DELAY_H[priority] if kind == AuthorKind.AGENT else CUSTOMER_DELAY_H
                moment = self._delay(mean, moment)
            if i == note_at and agent_for_reply is not None:
                text_html, text = rng.choice(self.note_bodies)
                messages.append((ticket_id, agent_for_reply.pk, AuthorKind.AGENT, True,
                                 text_html, text, Channel.DESK, "", moment))
                events.append((ticket_id, agent_for_reply.pk, EventKind.NOTE, "", text[:120],
                               moment))
                moment += timedelta(seconds=rng.randint(30, 3600))
                if moment >= self.now:
                    moment = self.now - timedelta(seconds=1)
            is_agent = kind == AuthorKind.AGENT
            author_id = (agent_for_reply.pk if agent_for_reply else None) if is_agent \
                else customer_id
            if i == 0:
                author_id = opener_id
            bodies = self.agent_bodies if is_agent else self.customer_bodies
            text_html, text = rng.choice(bodies)
            msg_channel = channel if i == 0 else (
                Channel.DESK if is_agent else (channel if channel in (
                    Channel.EMAIL, Channel.PORTAL, Channel.CHAT) else Channel.PORTAL))
            external_id = ""
            if msg_channel == Channel.EMAIL:
                external_id = f"<{ticket_id}.{i}.{self.run_tag}@mail.bench.destek.test>"
            messages.append((ticket_id, author_id, kind, False, text_html, text, msg_channel,
                             external_id, moment))
            if i == 0:
                events.append((ticket_id, opener_id, EventKind.CREATED, "",
                               self.channel_labels[channel], moment))
                if is_agent:
                    last_agent = moment
                else:
                    last_customer = moment
                if assignee is not None:
                    auto = not by_agent
                    events.append((ticket_id, None if auto else assignee.pk, EventKind.ASSIGNEE,
                                   "", people.agent_names[assignee.pk], moment))
                continue
            events.append((ticket_id, author_id, EventKind.REPLIED, "", text[:120], moment))
            old = state
            if is_agent:
                last_agent = moment
                if first_response is None:
                    first_response = moment
                if state == Status.NEW:
                    state = Status.OPEN
                if i == public_count - 1 and status != state:
                    state = status
            else:
                last_customer = moment
                if state not in (Status.NEW, Status.OPEN):
                    state = Status.OPEN
            if state != old:
                events.append((ticket_id, author_id, EventKind.STATUS, old, state, moment))
                resolved, closed = _stamp(state, old, moment, resolved, closed)
        updated = moment
        if state != status:  # an agent changed the status without replying (ticket_update)
            moment = self._delay(AGENT_DELAY_H[priority] * 4, moment)
            actor = assignee.pk if assignee else None
            events.append((ticket_id, actor, EventKind.STATUS, state, status, moment))
            resolved, closed = _stamp(status, state, moment, resolved, closed)
            updated = moment
        if rng.random() < self.tag_ratio:
            chosen = rng.sample(people.tags, k=rng.choice((1, 1, 1, 2, 2, 3)))
            for tag in chosen:
                batch.ticket_tags.append((ticket_id, tag.pk))
            events.append((ticket_id, assignee.pk if assignee else None, EventKind.TAGS, "",
                           ", ".join(t.name for t in chosen), created))
        batch.tickets.append((
            ticket_id, subject, department_id, priority, status, channel, customer_id,
            assignee.pk if assignee else None, "[]", public_count, created, updated,
            first_response, last_customer, last_agent, resolved, closed,
        ))


def _stamp(status: str, old: str, moment: datetime, resolved: datetime | None,
           closed: datetime | None) -> tuple[datetime | None, datetime | None]:
    """The same bookkeeping as tickets.services.status.stamp_status_times."""
    if status == Status.RESOLVED:
        return moment, closed
    if status == Status.CLOSED:
        return resolved or moment, moment
    if old in (Status.RESOLVED, Status.CLOSED):
        return None, None
    return resolved, closed


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return [x / total for x in out]


def _pick(cumulative: list[float], u: float) -> int:
    return min(bisect.bisect_left(cumulative, u), len(cumulative) - 1)


class Writer:
    """COPY on PostgreSQL (psycopg 3), bulk_create on the other databases."""

    def __init__(self) -> None:
        self.copy = connection.vendor == "postgresql"
        self.skipped_fk_checks = False
        through = Ticket.tags.through
        self.targets: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
            "tickets": (Ticket, TICKET_COLUMNS),
            "messages": (Message, MESSAGE_COLUMNS),
            "events": (TicketEvent, EVENT_COLUMNS),
            "ticket_tags": (through, TAG_COLUMNS),
        }

    def write(self, batch: Batch) -> None:
        for name in ("tickets", "messages", "events", "ticket_tags"):
            rows: list[tuple[Any, ...]] = getattr(batch, name)
            if rows:
                model, columns = self.targets[name]
                if self.copy:
                    self._copy(model, columns, rows)
                else:
                    self._bulk(model, columns, rows)

    def _copy(self, model: type[models.Model], columns: tuple[str, ...],
              rows: list[tuple[Any, ...]]) -> None:
        qn = connection.ops.quote_name
        sql = (f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
               "FROM STDIN")
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            with raw.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)

    def _bulk(self, model: type[models.Model], columns: tuple[str, ...],
              rows: list[tuple[Any, ...]]) -> None:
        fields = {f.column: f.attname for f in model._meta.concrete_fields}
        attnames = [fields[c] for c in columns]
        objects = []
        for row in rows:
            values = dict(zip(attnames, row, strict=True))
            if model is Ticket:
                values["cc_addresses"] = json.loads(values["cc_addresses"])
            objects.append(model(**values))
        model._default_manager.bulk_create(objects, batch_size=500)

    def reserve_ticket_ids(self) -> int:
        """The first free ticket id; the table is locked for the rest of the transaction."""
        if self.copy:
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Ticket._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                row = cursor.fetchone()
                if row and row[0]:
                    # The rows reference only ids this command just read or wrote, so the
                    # per-row foreign-key triggers (deferred to COMMIT by Django) are skipped:
                    # they were a third of the time. Needs a superuser; otherwise they run.
                    cursor.execute("SET LOCAL session_replication_role = replica")
                    self.skipped_fk_checks = True
        last = Ticket.objects.aggregate(m=models.Max("id"))["m"] or 0
        return int(last) + 1

    def finish(self) -> None:
        """Move the id sequences past the rows written with explicit ids."""
        if not self.copy:
            return
        from django.core.management.color import no_style

        statements = connection.ops.sequence_reset_sql(no_style(), [Ticket])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class Progress:
    def __init__(self, total: int, stream: Any, enabled: bool) -> None:
        self.total = total
        self.stream = stream
        self.enabled = enabled
        self.started = time.perf_counter()
        self.tty = enabled and hasattr(stream, "isatty") and stream.isatty()
        self.last_tenth = -1

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        share = done / self.total if self.total else 1.0
        elapsed = time.perf_counter() - self.started
        rate = done / elapsed if elapsed else 0.0
        width = 30
        bar = "#" * int(share * width) + "-" * (width - int(share * width))
        line = f"[{bar}] {share:6.1%} {done:,}/{self.total:,} tickets {elapsed:6.1f}s " \
               f"{rate:,.0f}/s"
        if self.tty:
            self.stream.write("\r" + line)
            if done >= self.total:
                self.stream.write("\n")
        elif int(share * 10) != self.last_tenth or done >= self.total:
            self.last_tenth = int(share * 10)
            self.stream.write(line + "\n")
        self.stream.flush()


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a data tool; it needs the models, not the URLs
    help = (
        "Generate benchmark data: N tickets with public messages (1-5 by default), customers, "
        "agents, departments, tags and audit events, spread over the past year. It writes rows "
        "directly (COPY on PostgreSQL, bulk_create elsewhere) and BYPASSES the intake funnel "
        "on purpose, for speed; the rows are those the funnel would have produced "
        "(message_count, first response, last customer message, status times, updated_at = "
        "last activity) but no notifications or outbox rows are written. Refuses a database "
        "that already has tickets unless --append. Writes the bench logins and API tokens to "
        "--out for `python -m bench`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, required=True)
        parser.add_argument("--messages-min", type=int, default=1)
        parser.add_argument("--messages-max", type=int, default=5)
        parser.add_argument("--customers", type=int, default=None,
                            help="default: one customer per 5 tickets (at least 10)")
        parser.add_argument("--agents", type=int, default=20)
        parser.add_argument("--departments", type=int, default=5)
        parser.add_argument("--tags", type=int, default=20)
        parser.add_argument("--bench-customers", type=int, default=16,
                            help="customers with an API token for the creation benchmark")
        parser.add_argument("--days", type=int, default=365, help="spread over this many days")
        parser.add_argument("--notes", type=float, default=0.1,
                            help="share of tickets with an internal note")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--password", default=None,
                            help="password of every generated agent and bench login "
                                 "(default: random, printed and written to --out)")
        parser.add_argument("--append", action="store_true",
                            help="add to a database that already has tickets")
        parser.add_argument("--batch", type=int, default=5000, help="tickets per write")
        parser.add_argument("--out", default=str(DEFAULT_OUT),
                            help="fixture JSON for the load runner (credentials, ids)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        tickets = int(options["tickets"])
        lo, hi = int(options["messages_min"]), int(options["messages_max"])
        if tickets < 1 or lo < 1 or hi < lo:
            raise CommandError("Need --tickets >= 1 and 1 <= --messages-min <= --messages-max.")
        if options["agents"] < 1 or options["departments"] < 1:
            raise CommandError("Need at least one agent and one department.")
        if Ticket.objects.exists() and not options["append"]:
            raise CommandError("This database already has tickets; pass --append to add more.")
        customers = options["customers"] or max(10, tickets // 5)
        rng = random.Random(options["seed"])  # noqa: S311 (reproducible fake data)
        password = options["password"] or secrets.token_urlsafe(12)
        run_tag = secrets.token_hex(3) if options["append"] else f"s{options['seed']}"
        now = datetime.now(UTC).replace(microsecond=0)

        with transaction.atomic():
            people, fixture = self._people(rng, customers=customers, password=password,
                                           run_tag=run_tag, options=options)
            setup_s = time.perf_counter() - started
            self.stdout.write(f"People ready in {setup_s:.1f}s: {customers:,} customers, "
                              f"{options['agents']} agents, {len(people.departments)} "
                              "departments. Writing tickets …")
            writer = Writer()
            first_id = writer.reserve_ticket_ids()
            generator = TicketGenerator(
                rng=rng, people=people, now=now, days=options["days"], messages_min=lo,
                messages_max=hi, notes_ratio=options["notes"], tag_ratio=0.35,
                run_tag=run_tag)
            progress = Progress(tickets, sys.stderr, not options["no_progress"])
            counts = {"messages": 0, "events": 0, "ticket_tags": 0}

            def make(span: tuple[int, int]) -> Batch:
                batch = Batch()
                for ticket_id in range(first_id + span[0], first_id + span[1]):
                    generator.ticket(ticket_id, batch)
                return batch

            # The next batch is generated in a thread while the database ingests this one
            # (psycopg waits for the server without holding the GIL). Only this thread
            # touches the database; the generator runs in order, so --seed stays reproducible.
            spans = list(_chunks(tickets, options["batch"]))
            with ThreadPoolExecutor(max_workers=1) as pool:
                pending = pool.submit(make, spans[0])
                for i, (_start, stop) in enumerate(spans):
                    batch = pending.result()
                    if i + 1 < len(spans):
                        pending = pool.submit(make, spans[i + 1])
                    writer.write(batch)
                    counts["messages"] += len(batch.messages)
                    counts["events"] += len(batch.events)
                    counts["ticket_tags"] += len(batch.ticket_tags)
                    progress.update(stop)
            writer.finish()
            rows_s = time.perf_counter() - started
        write_s = time.perf_counter() - started
        if connection.vendor == "postgresql":
            # VACUUM cannot run inside a transaction (a caller's atomic block, a test case).
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            self.stdout.write(f"{verb} …")
            with connection.cursor() as cursor:
                for model in (Ticket, Message, TicketEvent, Ticket.tags.through, User):
                    table = connection.ops.quote_name(model._meta.db_table)
                    cursor.execute(f"{verb} {table}")
        elapsed = time.perf_counter() - started
        phases = {"people_s": round(setup_s, 1), "rows_s": round(rows_s - setup_s, 1),
                  "commit_s": round(write_s - rows_s, 1),
                  "vacuum_analyze_s": round(elapsed - write_s, 1)}
        fixture.update({
            "seeded_at": now.isoformat(),
            "seed": options["seed"],
            "database": {"vendor": connection.vendor,
                         "name": str(connection.settings_dict.get("NAME"))},
            "seconds": round(elapsed, 2),
            "phases": phases,
            "ticket_ids": [first_id, first_id + tickets - 1],
            "counts": {"tickets": tickets, "messages": counts["messages"],
                       "events": counts["events"], "ticket_tags": counts["ticket_tags"],
                       "customers": customers, "agents": options["agents"],
                       "departments": len(people.departments), "tags": len(people.tags)},
            "totals": {"tickets": Ticket.objects.count(), "messages": Message.objects.count()},
        })
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(fixture, fh, indent=2, ensure_ascii=False)
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {tickets:,} tickets, {counts['messages']:,} messages, "
            f"{counts['events']:,} events in {elapsed:.1f}s ("
            + ", ".join(f"{k.removesuffix('_s')} {v}s" for k, v in phases.items()) + ")."))
        self.stdout.write(f"Bench agent: {BENCH_AGENT_EMAIL} password: {password}")
        self.stdout.write(f"Fixture for the load runner: {out}")

    # --- people --------------------------------------------------------------------------

    def _people(self, rng: random.Random, *, customers: int, password: str, run_tag: str,
                options: dict[str, Any]) -> tuple[People, dict[str, Any]]:
        from allauth.account.models import EmailAddress
        from rest_framework.authtoken.models import Token

        password_hash = make_password(password)  # one hash for every generated login
        departments = self._departments(options["departments"])
        public_ids = [d.pk for d in departments if d.is_public]
        tags = self._tags(options["tags"])

        agents = [
            User(email=f"agent{i}.{run_tag}@support.bench.destek.test",
                 full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                 role=_agent_role(i, options["agents"]), password=password_hash,
                 max_open_tickets=1000)
            for i in range(options["agents"])
        ]
        User.objects.bulk_create(agents)
        bench_agent = self._bench_user(BENCH_AGENT_EMAIL, "Bench Agent", Role.AGENT,
                                       password_hash)
        all_agents = [*agents, bench_agent]
        memberships = []
        by_department: dict[int, list[User]] = {d.pk: [] for d in departments}
        for i, agent in enumerate(all_agents):
            homes = {departments[i % len(departments)].pk}
            if agent is bench_agent:
                homes = {d.pk for d in departments[:2]}
            elif rng.random() < 0.4:
                homes.add(rng.choice(departments).pk)
            for pk in sorted(homes):
                if not DepartmentMembership.objects.filter(department_id=pk,
                                                           agent=agent).exists():
                    memberships.append(DepartmentMembership(department_id=pk, agent=agent))
                by_department[pk].append(agent)
        DepartmentMembership.objects.bulk_create(memberships)

        organizations = [Organization(name=f"Org {i} {run_tag}")
                         for i in range(max(1, customers // 25))]
        Organization.objects.bulk_create(organizations)
        customer_rows = []
        for i in range(customers):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            org = rng.choice(organizations) if rng.random() < 0.3 else None
            customer_rows.append(User(
                email=f"customer{i}.{run_tag}@customers.bench.destek.test",
                full_name=f"{first} {last}", role=Role.CUSTOMER, organization=org,
                language="tr" if rng.random() < 0.6 else "en",
                password="!" + secrets.token_urlsafe(30)))  # unusable, like the funnel's
        User.objects.bulk_create(customer_rows, batch_size=2000)
        bench_customers = [
            self._bench_user(BENCH_CUSTOMER_EMAIL.format(n=n), f"Bench Customer {n}",
                             Role.CUSTOMER, password_hash)
            for n in range(options["bench_customers"])
        ]
        verified = [*agents, *customer_rows]
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in verified],
            batch_size=2000)

        # A few customers open many tickets, most open one or two (a long tail).
        customer_ids = [u.pk for u in customer_rows] + [u.pk for u in bench_customers]
        weights = [rng.paretovariate(1.5) for _ in customer_ids]
        people = People(
            departments=departments, public_department_ids=public_ids,
            agents_by_department=by_department,
            agent_names={a.pk: a.display_name for a in all_agents},
            customer_ids=customer_ids, customer_weights=weights, tags=tags,
        )

        def login(user: User) -> dict[str, Any]:
            token, _created = Token.objects.get_or_create(user=user)
            return {"id": user.pk, "email": user.email, "password": password,
                    "token": token.key}

        fixture = {
            "agent": login(bench_agent),
            "customers": [login(u) for u in bench_customers],
            "departments": [{"id": d.pk, "name": d.name, "public": d.is_public}
                            for d in departments],
            "agent_ids": [a.pk for a in all_agents],
            "tags": [t.name for t in tags],
        }
        return people, fixture

    def _bench_user(self, email: str, name: str, role: str, password_hash: str) -> User:
        from allauth.account.models import EmailAddress

        user, _created = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "role": role, "max_open_tickets": 1000})
        user.password = password_hash
        user.role = role
        user.is_active = True
        user.save(update_fields=["password", "role", "is_active"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    def _departments(self, count: int) -> list[Department]:
        departments = []
        for i in range(count):
            name, name_tr = DEPARTMENTS[i] if i < len(DEPARTMENTS) else (
                f"Department {i + 1}", f"Departman {i + 1}")
            department, _created = Department.objects.get_or_create(
                name=name, defaults={"name_tr": name_tr,
                                     "assignment_mode": ASSIGNMENT_MODES[i % 3],
                                     "is_public": name != "Abuse"})
            departments.append(department)
        if not any(d.is_public for d in departments):
            departments[0].is_public = True
            departments[0].save(update_fields=["is_public"])
        return departments

    def _tags(self, count: int) -> list[Tag]:
        names = [TAGS[i] if i < len(TAGS) else f"tag-{i}" for i in range(max(count, 1))]
        Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
        return list(Tag.objects.filter(name__in=names).order_by("name"))


def _agent_role(i: int, total: int) -> str:
    if i == 0 and total > 3:
        return Role.SUPERVISOR
    if total >= 10 and i % 10 == 9:
        return Role.OUTSOURCED
    return Role.AGENT


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    size = max(1, size)
    for start in range(0, total, size):
        yield start, min(start + size, total)

