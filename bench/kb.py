"""Knowledge-base search and live suggestions over HTTP, on PostgreSQL.

    python -m bench.kb --recreate                 # make destek_kb_bench, 10,000 articles, measure
    python -m bench.kb --concurrency 4 --name kb-c4
    python -m bench.kb --concurrency 4 --suggest-cold --name kb-c4-cold   # no cache hits

Seeds N articles (half English, half Turkish, hosting topics, every other one with its
translation), then starts a production-like server (bench.server) and measures, as a visitor:
`search` GET /kb/search/?q=… (the results page), `search_api` GET /api/v1/kb/articles/?q=…,
and `suggest` GET /kb/suggest/?subject=…&body=… (what htmx asks while a customer types).
Queries mix both languages, inflected forms and typos. JSON goes to bench/results/<name>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import load
from bench.machine import database_info, machine_info
from bench.server import Server, ServerConfig, machine_busy_seconds, postgres_cpu_seconds

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/destek_kb_bench"

# (English, Turkish) topic words; titles and bodies are built from them.
TOPICS = [
    ("server", "sunucu"), ("email account", "e-posta hesabı"), ("domain", "alan adı"),
    ("DNS record", "DNS kaydı"), ("SSL certificate", "SSL sertifikası"),
    ("backup", "yedek"), ("database", "veritabanı"), ("WordPress site", "WordPress sitesi"),
    ("FTP account", "FTP hesabı"), ("control panel", "kontrol paneli"), ("VPS", "VPS"),
    ("password", "şifre"), ("invoice", "fatura"), ("PHP version", "PHP sürümü"),
    ("cron job", "zamanlanmış görev"), ("firewall", "güvenlik duvarı"),
    ("mailbox quota", "posta kutusu kotası"), ("nameserver", "ad sunucusu"),
    ("disk space", "disk alanı"), ("subdomain", "alt alan adı"),
]
ACTIONS = [
    ("How to restart your {t}", "{t} nasıl yeniden başlatılır"),
    ("Configuring the {t}", "{t} yapılandırma"),
    ("Why is my {t} not working", "{t} neden çalışmıyor"),
    ("Moving your {t} to a new plan", "{t} yeni pakete taşıma"),
    ("Securing the {t}", "{t} güvenliğini sağlama"),
    ("Troubleshooting a slow {t}", "Yavaş {t} sorunlarını giderme"),
    ("Creating a new {t}", "Yeni {t} oluşturma"),
    ("Deleting an old {t}", "Eski {t} silme"),
]
SENTENCES = [
    ("Open the {t} page in the control panel and check its status.",
     "Kontrol panelinde {t} sayfasını açın ve durumunu kontrol edin."),
    ("If the {t} still fails, our support team can look at the logs.",
     "{t} hâlâ çalışmıyorsa destek ekibimiz kayıtları inceleyebilir."),
    ("Changes to the {t} can take a few minutes to apply.",
     "{t} üzerindeki değişikliklerin uygulanması birkaç dakika sürebilir."),
    ("Make a backup before you change the {t} settings.",
     "{t} ayarlarını değiştirmeden önce yedek alın."),
    ("Customers on shared hosting manage the {t} themselves.",
     "Paylaşımlı hosting müşterileri {t} ayarlarını kendileri yönetir."),
    ("Servers in our Istanbul data center restart within two minutes.",
     "İstanbul veri merkezimizdeki sunucularımız iki dakika içinde yeniden başlar."),
    ("The {t} limits depend on your plan; upgrade for more resources.",
     "{t} sınırları paketinize bağlıdır; daha fazla kaynak için paketinizi yükseltin."),
]
QUERIES = [
    "restart server", "servers", "email account not working", "ssl certificate",
    "dns records", "backup restore", "wordpress slow", "php version", "invoice",
    "sunucularım", "sunucu yeniden başlatma", "e-posta hesabı çalışmıyor", "ssl sertifikası",
    "dns kayıtları", "yedeklerim", "veritabanı yavaş", "şifremi unuttum", "faturalarım",
    "sevrer", "certifcate", "databse slow", "sunucuu", "wordpres",
]
SUGGESTIONS = [
    ("My server is down", "Since this morning my VPS does not answer. I tried to restart it."),
    ("Email not working", "I cannot send email from my account, it says the password is wrong."),
    ("Sunucum çok yavaş", "Sitem açılmıyor, sunucu yeniden başlatma işe yaramadı."),
    ("SSL sertifikası hatası", "Tarayıcı sertifika hatası veriyor, alan adı yeni taşındı."),
    ("Domain transfer", "How do I move my domain and DNS records to you?"),
    ("Yedekten geri yükleme", "Dünkü yedeğimi veritabanı ile birlikte geri yüklemek istiyorum."),
]


def _article(rng: random.Random, index: int, language: str) -> tuple[str, str]:
    en_topic, tr_topic = rng.choice(TOPICS)
    en_action, tr_action = rng.choice(ACTIONS)
    topic = en_topic if language == "en" else tr_topic
    title = (en_action if language == "en" else tr_action).format(t=topic)
    title = f"{title[0].upper()}{title[1:]} ({index})"
    paragraphs = []
    for _ in range(rng.randint(3, 6)):
        lines = []
        for _ in range(rng.randint(2, 4)):
            en, tr = rng.choice(SENTENCES)
            other = rng.choice(TOPICS)[0 if language == "en" else 1]
            lines.append((en if language == "en" else tr).format(t=rng.choice([topic, other])))
        paragraphs.append(" ".join(lines))
    return title, "\n\n".join(paragraphs)


def seed(count: int, rng_seed: int) -> dict[str, Any]:
    """Articles written in bulk (rendered and indexed like the service does, without a
    revision per article): a few seconds instead of minutes."""
    import django

    django.setup()
    from django.db import connection, transaction

    from destek.accounts.models import Role, User
    from destek.kb.markdown import render_markdown
    from destek.kb.models import Article, ArticleStatus, Category, SearchTerm
    from destek.kb.search import index_article
    from destek.kb.services.articles import article_slug
    from destek.kb.services.terms import vocabulary

    rng = random.Random(rng_seed)
    started = time.perf_counter()
    author, _ = User.objects.get_or_create(email="kb-bench@bench.destek.test",
                                           defaults={"role": Role.AGENT})
    categories = [Category.objects.get_or_create(slug=f"bench-{i}", defaults={
        "name": en.capitalize(), "name_tr": tr.capitalize()})[0]
        for i, (en, tr) in enumerate(TOPICS[:10])]
    vocab: dict[str, set[str]] = {"en": set(), "tr": set()}
    rows: list[Article] = []
    import uuid

    for i in range(count):
        language = "en" if i % 2 == 0 else "tr"
        group = rows[-1].group if language == "tr" and i % 4 == 1 else uuid.uuid4()
        title, body = _article(rng, i, language)
        html, text = render_markdown(body)
        rows.append(Article(
            group=group, language=language, category=rng.choice(categories), title=title,
            slug=f"{article_slug(title=title, language=language)[:150]}-{i}",
            summary=text[:200], body_markdown=body, body_html=html, body_text=text,
            audience=rng.choices(["public", "customers", "internal"], [80, 15, 5])[0],
            status=ArticleStatus.PUBLISHED, is_faq=i % 50 == 0, author=author,
            view_count=rng.randint(0, 5000)))
        vocab[language] |= vocabulary(f"{title}\n{text}", language)
    with transaction.atomic():
        Article.objects.bulk_create(rows, batch_size=1000)
        for language, words in vocab.items():
            SearchTerm.objects.bulk_create([SearchTerm(term=w, language=language)
                                            for w in sorted(words)],
                                           ignore_conflicts=True, batch_size=2000)
        for article in Article.objects.filter(search_index__isnull=True).iterator(2000):
            index_article(article)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE kb_article")
        # Statistics of the index table: without them the planner guesses 0.5 % of the rows
        # match a query (a common word matches 40 %) and picks worse plans.
        cursor.execute("VACUUM ANALYZE kb_searchindex")
        cursor.execute("VACUUM ANALYZE kb_searchterm")
    return {"articles": count, "terms": sum(len(v) for v in vocab.values()),
            "seconds": round(time.perf_counter() - started, 1)}


def prepare(database_url: str, *, recreate: bool, count: int, rng_seed: int) -> dict[str, Any]:
    admin_url, _sep, name = database_url.rpartition("/")
    exists = subprocess.run(["psql", f"{admin_url}/postgres", "-tAc",
                             f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],  # noqa: S608
                            capture_output=True, text=True, check=True).stdout.strip() == "1"
    if exists and recreate:
        subprocess.run(["psql", f"{admin_url}/postgres", "-c", f'DROP DATABASE "{name}"'],
                       check=True, capture_output=True)
        exists = False
    if not exists:
        subprocess.run(["psql", f"{admin_url}/postgres", "-c", f'CREATE DATABASE "{name}"'],
                       check=True, capture_output=True)
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    subprocess.run([sys.executable, "-m", "destek.cli", "migrate", "--noinput", "-v0"],
                   env=env, check=True)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "destek.settings")
    import django

    django.setup()
    from destek.kb.models import Article

    have = Article.objects.count()
    if have >= count:
        return {"articles": have, "seeded": False}
    return {**seed(count - have, rng_seed), "seeded": True}


def _scenarios(rng: random.Random, *, cold: bool = False,
               asked: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """`cold`: every suggestion request carries a word of its own (in the subject, so within
    the words a suggestion query keeps), so none is answered from the fragment cache.
    `asked` collects the (subject, body) of every suggestion request."""
    nonce = itertools.count(1)

    def search(i: int) -> load.RequestSpec:
        q = QUERIES[i % len(QUERIES)]
        return load.RequestSpec("GET", "/kb/search/?" + urlencode({"q": q}), q)

    def search_api(i: int) -> load.RequestSpec:
        q = QUERIES[i % len(QUERIES)]
        return load.RequestSpec("GET", "/api/v1/kb/articles/?" + urlencode({"q": q}), q)

    def suggest(i: int) -> load.RequestSpec:
        subject, body = SUGGESTIONS[i % len(SUGGESTIONS)]
        # What htmx sends while the customer types: a growing prefix of the text.
        cut = rng.randint(len(body) // 3, len(body))
        label = subject
        if cold:
            subject = f"{subject} ref{next(nonce)}"
        if asked is not None:
            asked.append((subject, body[:cut]))
        return load.RequestSpec("GET", "/kb/suggest/?" + urlencode(
            {"subject": subject, "body": body[:cut]}), label)

    return {"search": search, "search_api": search_api, "suggest": suggest}


async def measure(args: argparse.Namespace, server: Server) -> dict[str, Any]:
    client = load.make_transport(args.client, server.url, concurrency=args.concurrency,
                                 timeout=30.0)
    database = args.database_url.rsplit("/", 1)[1]
    rng = random.Random(args.seed)
    results: dict[str, Any] = {}
    asked: list[tuple[str, str]] = []
    try:
        for name, make in _scenarios(rng, cold=args.suggest_cold, asked=asked).items():
            if name not in args.scenarios:
                continue
            await load.run_phase(client, make, count=args.warmup, duration_s=30,
                                 concurrency=args.concurrency)
            busy_before = machine_busy_seconds()
            server_before, pg_before = server.cpu_seconds(), postgres_cpu_seconds(database)
            outcome = await load.run_phase(client, make, count=args.requests,
                                           duration_s=args.duration,
                                           concurrency=args.concurrency, rate=args.rate)
            busy_after = machine_busy_seconds()
            outcome.server_cpu_s = server.cpu_seconds() - server_before
            pg_after = postgres_cpu_seconds(database)
            outcome.machine_busy_s = busy_after[0] - busy_before[0]
            outcome.machine_total_s = busy_after[1] - busy_before[1]
            results[name] = load.report(outcome)
            # CPU per request of the PostgreSQL backends (the server's connections only).
            if pg_before is not None and pg_after is not None and results[name]["count"]:
                results[name]["cpu"]["postgres_ms_per_request"] = round(
                    1000 * (pg_after - pg_before) / results[name]["count"], 2)
            if name == "suggest":
                results[name]["cache"] = _suggestion_keys(asked, args.workers)
            print(name, json.dumps(results[name]["latency_ms"]),
                  json.dumps({k: v for k, v in results[name]["cpu"].items() if "ms" in k}),
                  flush=True)
    finally:
        await client.close()
    return results


def _suggestion_keys(asked: list[tuple[str, str]], workers: int) -> dict[str, Any]:
    """How many distinct suggestion queries (fragment cache keys) the requests made, warm-up
    included: at most that many misses with a shared cache (Redis), at most `workers` times
    that many with the per-process locmem cache."""
    from destek.kb.search import suggestion_query

    keys = {json.dumps(suggestion_query(f"{s}\n{s}\n{b}").words, sort_keys=True)
            for s, b in asked}
    return {"requests": len(asked), "distinct_queries": len(keys), "workers": workers}


def _database(database_url: str) -> dict[str, Any]:
    try:
        return database_info(database_url)
    except (TypeError, ValueError):  # it also summarizes tickets, and there are none here
        size = subprocess.run(["psql", database_url, "-tAc",
                               "SELECT version(), pg_size_pretty(pg_database_size("
                               "current_database())), (SELECT count(*) FROM kb_article)"],
                              capture_output=True, text=True, check=False).stdout.strip()
        return {"summary": size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kb", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("KB_BENCH_DATABASE_URL",
                                                                 DEFAULT_URL))
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--recreate", action="store_true")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rate", type=float, default=0.0, help="paced requests per second")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=40.0)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--scenarios", default="search,search_api,suggest")
    parser.add_argument("--client", default="aiohttp")
    parser.add_argument("--redis-url", default="",
                        help="cache (and channels) on this Redis db, shared by the workers")
    parser.add_argument("--suggest-cold", action="store_true",
                        help="a word of its own in every suggestion: no fragment cache hits")
    parser.add_argument("--name", default="kb")
    args = parser.parse_args(argv)
    args.scenarios = args.scenarios.split(",")
    data = prepare(args.database_url, recreate=args.recreate, count=args.articles,
                   rng_seed=args.seed)
    print("data:", data, flush=True)
    # Visitors search the API too: the anonymous rate limit (60/min) would answer 429.
    config = ServerConfig(database_url=args.database_url, workers=args.workers,
                          redis_url=args.redis_url,
                          extra_env={"DESTEK_API_ANON_RATE": "1000000/min"})
    with Server(config) as server:
        cpu_before = server.cpu_seconds()
        results = asyncio.run(measure(args, server))
        server_cpu = server.cpu_seconds() - cpu_before
        server.keep_log(RESULTS / f"{args.name}.server.log")
    out = {
        "name": args.name, "data": data, "concurrency": args.concurrency, "rate": args.rate,
        "workers": args.workers, "redis": bool(args.redis_url),
        "suggest_cold": args.suggest_cold, "scenarios": results,
        "server_cpu_s": round(server_cpu, 1),
        "targets": {"search_p95_ms": 30, "suggest_p95_ms": 50},
        "met": {
            "search": (results.get("search", {}).get("latency_ms", {}).get("p95") or 1e9) <= 30,
            "search_api": (results.get("search_api", {}).get("latency_ms", {}).get("p95")
                           or 1e9) <= 30,
            "suggest": (results.get("suggest", {}).get("latency_ms", {}).get("p95")
                        or 1e9) <= 50,
        },
        "machine": machine_info(), "database": _database(args.database_url),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(out, indent=2, default=str))
    print(json.dumps({k: out[k] for k in ("met", "concurrency", "rate")}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
