"""`destek seed`: a fast generator of realistic help-desk data for benchmarks.

It writes rows directly (COPY on PostgreSQL, bulk_create elsewhere) and so BYPASSES the intake
funnel on purpose (destek.demo.sql says why); each ticket is simulated message by message with
the funnel's own rules (destek.demo.seeding.conversations). No outbox rows, notifications or
real-time events are produced.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from destek.accounts.models import User
from destek.demo import sql
from destek.demo.seeding.conversations import Batch, TicketGenerator
from destek.demo.seeding.people import BENCH_AGENT_EMAIL, PeopleOptions, create_people
from destek.demo.seeding.progress import Progress
from destek.demo.seeding.services import ServicePicker, create_services
from destek.demo.seeding.summary import data_summary, install_sla, open_ticket_ids
from destek.demo.seeding.vocabulary import CUSTOMER_MEAN_TICKETS, DEFAULT_OPEN_SHARE
from destek.demo.seeding.writer import Writer
from destek.hosting.models import CustomerValue, Service
from destek.sla.models import TicketSla
from destek.tickets.models import Message, Ticket, TicketEvent

DEFAULT_OUT = Path("bench/results/fixture.json")


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a data tool; it needs the models, not the URLs
    help = (
        "Generate benchmark data: N tickets with public messages (1-20, median 3), customers "
        "who come back, agents, departments, tags and audit events, spread over the past "
        "year, --open-share of them unresolved (with their SLA deadlines). It writes rows "
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
        parser.add_argument("--messages-max", type=int, default=20)
        parser.add_argument("--open-share", type=float, default=DEFAULT_OPEN_SHARE,
                            help="share of tickets left unresolved (new, open, pending, on "
                                 f"hold), 0 to 1 (default {DEFAULT_OPEN_SHARE})")
        parser.add_argument("--customers", type=int, default=None,
                            help="default: one customer per "
                                 f"{CUSTOMER_MEAN_TICKETS} tickets (at least 10)")
        parser.add_argument("--services", type=int, default=0,
                            help="hosting services: each customer owns 0 to N (mean 2.5 for "
                                 "N >= 5; prospects none, busy customers most), tickets name "
                                 "one of their customer's 75 %% of the time, and every "
                                 "account's value and tier are computed (default 0: none)")
        parser.add_argument("--agents", type=int, default=20)
        parser.add_argument("--departments", type=int, default=5)
        parser.add_argument("--tags", type=int, default=20)
        parser.add_argument("--bench-customers", type=int, default=16,
                            help="customers with an API token for the creation benchmark")
        parser.add_argument("--days", type=int, default=365, help="spread over this many days")
        parser.add_argument("--notes", type=float, default=0.2,
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
        self._check(options, tickets)
        customers = options["customers"] or max(10, round(tickets / CUSTOMER_MEAN_TICKETS))
        rng = random.Random(options["seed"])  # noqa: S311 (reproducible fake data)
        password = options["password"] or secrets.token_urlsafe(12)
        run_tag = secrets.token_hex(3) if options["append"] else f"s{options['seed']}"
        now = datetime.now(UTC).replace(microsecond=0)

        with transaction.atomic():
            people, fixture = create_people(rng, PeopleOptions(
                customers=customers, agents=options["agents"],
                departments=options["departments"], tags=options["tags"],
                bench_customers=options["bench_customers"], password=password,
                run_tag=run_tag))
            setup_s = time.perf_counter() - started
            self.stdout.write(f"People ready in {setup_s:.1f}s: {customers:,} customers, "
                              f"{options['agents']} agents, {len(people.departments)} "
                              "departments. Writing tickets …")
            owned = None
            if options["services"] > 0:
                owned = create_services(seed=options["seed"], most=options["services"],
                                        customer_ids=people.customer_ids,
                                        wants=people.customer_wants, now=now)
                self.stdout.write(f"{owned.services:,} services, {owned.accounts:,} accounts "
                                  f"valued ({time.perf_counter() - started:.1f}s).")
            writer = Writer()
            first_id = writer.reserve_ticket_ids()
            generator = TicketGenerator(
                rng=rng, people=people, now=now, days=options["days"],
                messages_min=int(options["messages_min"]),
                messages_max=int(options["messages_max"]), notes_ratio=options["notes"],
                tag_ratio=0.35, run_tag=run_tag, tickets=tickets,
                open_share=options["open_share"],
                service_of=ServicePicker(owned, options["seed"]) if owned else None)
            progress = Progress(tickets, sys.stderr, not options["no_progress"])
            counts = _write_tickets(generator, writer, first_id, tickets, options["batch"],
                                    progress)
            writer.finish()
            rows_s = time.perf_counter() - started
            # The unresolved tickets' SLA state, as the SLA engine installs it.
            install_sla(first_id=first_id, now=now)
            sla_s = time.perf_counter() - started
        write_s = time.perf_counter() - started
        if connection.vendor == "postgresql":
            # VACUUM cannot run inside a transaction (a caller's atomic block, a test case).
            vacuum = not connection.in_atomic_block
            self.stdout.write(f"{'VACUUM ANALYZE' if vacuum else 'ANALYZE'} …")
            sql.analyze((Ticket, Message, TicketEvent, Ticket.tags.through, User, TicketSla,
                         Service, CustomerValue), vacuum=vacuum)
        elapsed = time.perf_counter() - started
        phases = {"people_s": round(setup_s, 1), "rows_s": round(rows_s - setup_s, 1),
                  "sla_s": round(sla_s - rows_s, 1), "commit_s": round(write_s - sla_s, 1),
                  "vacuum_analyze_s": round(elapsed - write_s, 1)}
        counts.update(tickets=tickets, customers=customers, agents=options["agents"],
                      departments=len(people.departments), tags=len(people.tags))
        data = data_summary(generator, options=options, first_id=first_id)
        # The load runner copies `counts` into its results: what data they ran on.
        counts.update(open_share=data["open_share"], by_status=data["by_status"])
        if owned:
            counts.update(services=owned.services, valued_accounts=owned.accounts)
            data["services"] = {"per_customer_max": options["services"],
                                "by_kind": owned.by_kind, "accounts_by_tier": owned.by_tier}
        fixture.update({
            "seeded_at": now.isoformat(),
            "seed": options["seed"],
            "database": {"vendor": connection.vendor,
                         "name": str(connection.settings_dict.get("NAME"))},
            "seconds": round(elapsed, 2),
            "phases": phases,
            "ticket_ids": [first_id, first_id + tickets - 1],
            "counts": counts,
            "totals": {"tickets": Ticket.objects.count(), "messages": Message.objects.count()},
            "data": data,
            "open_ticket_ids": open_ticket_ids(first_id=first_id),
        })
        out = _write_fixture(Path(options["out"]), fixture)
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {tickets:,} tickets, {counts['messages']:,} messages, "
            f"{counts['events']:,} events in {elapsed:.1f}s ("
            + ", ".join(f"{k.removesuffix('_s')} {v}s" for k, v in phases.items()) + ")."))
        self.stdout.write(f"Bench agent: {BENCH_AGENT_EMAIL} password: {password}")
        self.stdout.write(f"Fixture for the load runner: {out}")

    def _check(self, options: dict[str, Any], tickets: int) -> None:
        lo, hi = int(options["messages_min"]), int(options["messages_max"])
        if tickets < 1 or lo < 1 or hi < lo:
            raise CommandError("Need --tickets >= 1 and 1 <= --messages-min <= --messages-max.")
        share = options["open_share"]
        if not 0.0 <= share <= 1.0:  # also refuses NaN
            raise CommandError(f"--open-share is a fraction from 0 to 1 (0.05 is 5 %), not "
                               f"{share}.")
        if options["agents"] < 1 or options["departments"] < 1:
            raise CommandError("Need at least one agent and one department.")
        if Ticket.objects.exists() and not options["append"]:
            raise CommandError("This database already has tickets; pass --append to add more.")


def _write_tickets(generator: TicketGenerator, writer: Writer, first_id: int, tickets: int,
                   batch_size: int, progress: Progress) -> dict[str, int]:
    """Generate and write the tickets batch by batch. The next batch is generated in a thread
    while the database ingests this one (psycopg waits for the server without holding the
    GIL). Only this thread touches the database; the generator runs in order, so --seed
    stays reproducible."""
    counts = {"messages": 0, "events": 0, "ticket_tags": 0}

    def make(span: tuple[int, int]) -> Batch:
        batch = Batch()
        for ticket_id in range(first_id + span[0], first_id + span[1]):
            generator.ticket(ticket_id, batch)
        return batch

    spans = list(_chunks(tickets, batch_size))
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
    return counts


def _write_fixture(out: Path, fixture: dict[str, Any]) -> Path:
    """The logins and ids for the load runner, readable by its owner only (passwords)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(fixture, fh, indent=2, ensure_ascii=False)
    return out


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    size = max(1, size)
    for start in range(0, total, size):
        yield start, min(start + size, total)
