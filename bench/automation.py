"""`python -m bench.automation`: what triggers cost ticket creation and email ingestion.

    python -m bench.automation --rules 50 --rounds 6 --batch 150    # JSON on stdout and results/

In one process on its own PostgreSQL database (`destek_bench_automation`, recreated): the
mail benchmark's seed (a mailbox, customers, tickets to reply to), then rounds that alternate
"no active trigger" and "`--rules` active triggers" (the order flips every round, so a
machine that slows down over the run weighs on both sides alike). Each round:
- files `--batch` raw emails (half new tickets, half replies; the topics include "Sitem
  açılmıyor" and "Website returns 500", which the shipped urgent-keyword trigger matches) with
  the mail pipeline's own claim/process, as a worker does;
- opens `--batch` tickets through the funnel (`intake.receive`, portal channel, a signed-in
  customer), as the portal's form does;
and records the CPU of this process and of its PostgreSQL backend (from /proc) per item.

The rules are what an installation accumulates: keyword lists in both languages, sender
domains, channel and priority filters, a regex, business hours, tags, on "ticket created"
and "customer replied"; most do not match, a few do (and then act). Without rules the
shipped trigger is switched off too. The figure is the median over rounds of each side and
the overhead in percent (goal: at most 10 %).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

from bench.machine import machine_info
from bench.mail import (
    _cpu_seconds,
    fresh_database,
    new_ticket_message,
    reply_message,
    seed,
    store_raw_no_enqueue,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/destek_bench_automation"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"

KEYWORDS = [
    ["wordpress eklenti", "wordpress plugin", "tema hatası", "theme error", "elementor"],
    ["fatura iade", "refund", "para iadesi", "chargeback", "kredi kartı"],
    ["ssl yenileme", "certificate renewal", "https uyarısı", "let's encrypt", "sertifika"],
    ["yedek geri yükleme", "restore backup", "backup restore", "yedekten dön", "jetbackup"],
    ["alan adı transfer", "domain transfer", "epp kodu", "auth code", "transfer kodu"],
    ["spam şikayeti", "abuse report", "blacklist", "kara liste", "rbl"],
    ["php sürümü", "php version", "memory_limit", "max_execution_time", "php.ini"],
    ["cron job", "zamanlanmış görev", "crontab", "cron çalışmıyor", "scheduled task"],
    ["ftp bağlantı", "ftp login", "sftp", "filezilla", "ftp şifre"],
    ["mysql bağlantı", "database connection", "veritabanı hatası", "phpmyadmin",
     "too many connections"],
]


def rule_documents(count: int, department_id: int) -> list[dict[str, Any]]:
    """`count` triggers in the brief's JSON shapes (destek/automation/conditions.py)."""
    made: list[dict[str, Any]] = []
    for n in range(count):
        kind = n % 5
        events = ["ticket_created", "customer_replied"]
        if kind == 0:
            conditions: dict[str, Any] = {"words_any": KEYWORDS[n % len(KEYWORDS)]}
            actions: dict[str, Any] = {"tags_add": [f"topic-{n}"]}
        elif kind == 1:
            conditions = {"sender_domains": [f"partner{n}.example", f"reseller{n}.example"]}
            actions = {"priority": 3, "department_id": department_id}
        elif kind == 2:
            conditions = {"channels": ["chat"], "priorities": [1]}
            actions = {"tags_add": [f"chat-low-{n}"]}
        elif kind == 3:
            conditions = {"regex": r"\b(order|sipariş)\s*#?\d{6}\b"}
            actions = {"tags_add": ["order-number"]}
        else:
            conditions = {"statuses": ["new"], "words_any": [f"kampanya {n}", f"promo {n}"],
                          "business_hours": "out"}
            actions = {"tags_add": ["after-hours"]}
        made.append({"name": f"Bench rule {n}", "events": events, "conditions": conditions,
                     "actions": actions, "position": 200 + n})
    return made


def set_rules(active: bool, count: int, department_id: int) -> int:
    """Every trigger off, or the bench's `count` (and the shipped ones) on; the version moved
    as a save in Settings moves it."""
    from django.db.models import F

    from destek.automation.models import AutomationSettings, Trigger

    if not Trigger.objects.filter(name__startswith="Bench rule ").exists():
        Trigger.objects.bulk_create([Trigger(**doc) for doc in rule_documents(count,
                                                                              department_id)])
    Trigger.objects.update(is_active=active)
    settings_row, _ = AutomationSettings.objects.get_or_create(pk=1)
    AutomationSettings.objects.filter(pk=settings_row.pk).update(version=F("version") + 1)
    return Trigger.objects.filter(is_active=True).count()


def _measure(backend: int, work: Any) -> tuple[float, float, int]:
    cpu, postgres = time.process_time(), _cpu_seconds(backend)
    done = work()
    return time.process_time() - cpu, _cpu_seconds(backend) - postgres, done


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    fresh_database(args)
    from django.db import connection

    from destek.accounts.models import Department, User
    from destek.celery import app
    from destek.mail import processing
    from destek.mail.models import InboundEmail, InboundState
    from destek.tickets.intake import InboundMessage, receive
    from destek.tickets.models import Channel, Ticket

    app.connection_for_write().default_channel.client.flushdb()
    seeded = seed(customers=args.customers, threads=args.threads, rng=rng)
    department = Department.objects.get()
    customers = list(User.objects.filter(email__startswith="customer")[:200])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])

    def file_emails(count: int, offset: int) -> Any:
        half = count // 2
        raws = [reply_message(rng, rng.choice(seeded["threads"]), offset + n)
                for n in range(half)]
        raws += [new_ticket_message(rng, seeded["addresses"], offset + n)
                 for n in range(count - half)]
        rng.shuffle(raws)
        for raw in raws:
            store_raw_no_enqueue(raw)

        def work() -> int:
            pending = InboundEmail.objects.filter(state=InboundState.PENDING).order_by("pk")
            filed = 0
            while (first := pending.values_list("pk", flat=True).first()) is not None:
                filed += len(processing.process_claimed(processing.claim(first)))
            return filed
        return work

    def open_tickets(count: int, offset: int) -> Any:
        topics = ["Sitem açılmıyor", "Website returns 500", "Invoice question",
                  "DNS change for my domain", "VPS is slow", "E-posta gönderemiyorum"]

        def work() -> int:
            for n in range(count):
                topic = rng.choice(topics)
                receive(InboundMessage(channel=Channel.PORTAL, author=rng.choice(customers),
                                       subject=f"{topic} ({offset + n})",
                                       body_text=f"Hello, {topic.lower()}. Request {n}."))
            return count
        return work

    rounds: list[dict[str, Any]] = []
    warm = True
    for number in range(args.rounds + 1):
        order = [False, True] if number % 2 == 0 else [True, False]
        for with_rules in order:
            active = set_rules(with_rules, args.rules, department.pk)
            before = Ticket.objects.count()
            mail_cpu, mail_pg, filed = _measure(backend, file_emails(args.batch,
                                                                     number * 10**5))
            open_cpu, open_pg, opened = _measure(backend, open_tickets(args.batch,
                                                                       number * 10**5))
            critical = Ticket.objects.filter(pk__gt=0, priority=4).count()
            if warm:
                continue  # the first round warms the caches and the compiled rules
            rounds.append({
                "round": number, "rules": with_rules, "active_triggers": active,
                "email_cpu_ms": round(mail_cpu * 1000 / filed, 3),
                "email_postgres_ms": round(mail_pg * 1000 / filed, 3),
                "create_cpu_ms": round(open_cpu * 1000 / opened, 3),
                "create_postgres_ms": round(open_pg * 1000 / opened, 3),
                "tickets_added": Ticket.objects.count() - before, "critical_so_far": critical,
            })
        warm = False

    def side(rules: bool, key: str) -> float:
        return statistics.median(r[key] for r in rounds if r["rules"] is rules)

    summary: dict[str, Any] = {}
    for key in ("email_cpu_ms", "email_postgres_ms", "create_cpu_ms", "create_postgres_ms"):
        plain, ruled = side(False, key), side(True, key)
        summary[key] = {"no_rules": plain, "with_rules": ruled,
                        "overhead_percent": round((ruled - plain) * 100 / plain, 1)}
    for what in ("email", "create"):
        plain = side(False, f"{what}_cpu_ms") + side(False, f"{what}_postgres_ms")
        ruled = side(True, f"{what}_cpu_ms") + side(True, f"{what}_postgres_ms")
        summary[f"{what}_total_ms"] = {"no_rules": round(plain, 3), "with_rules": round(ruled, 3),
                                       "overhead_percent": round((ruled - plain) * 100 / plain,
                                                                 1)}
    return {"benchmark": "automation-trigger-overhead", "rules": args.rules,
            "batch": args.batch, "rounds": rounds, "summary": summary,
            "load_average": round(os.getloadavg()[0], 2), "machine": machine_info()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batch", type=int, default=150)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--threads", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_AUTOMATION_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--name", default="automation-overhead")
    args = parser.parse_args(argv)
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["summary"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
