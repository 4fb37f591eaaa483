"""`python -m bench.hosting_import`: getting hosting data in (issue 15), on PostgreSQL.

    flock /tmp/destek-bench.lock .venv/bin/python -m bench.hosting_import            # 100,000
    flock /tmp/destek-bench.lock .venv/bin/python -m bench.hosting_import --services 20000

On its own database (`destek_hosting_bench`, recreated):
1. A CSV of `--services` services for `--customers` customers (30 % of them in ~1 organization
   per 8 customers; a realistic mix of kinds, plans, servers, amounts, currencies and cycles,
   Turkish names and IDN domains) is generated, uploaded through `hosting.imports.import_upload`
   (the admin's checks) and imported by `hosting.imports.import_run`, the code the Celery task
   runs: services per second over the whole import, and CPU seconds in this process and in its
   PostgreSQL backend (from /proc).
2. The first file imported again, unchanged: what a nightly full re-sync costs when little
   changed (every line is read and compared, nothing written).
3. `--changed` of those services change (renewal date, amount, status or plan) and that CSV
   is imported: services per second (the issue asks ≥ 2,000/s). Each line carries its
   owner's columns, so ~9,000 customers and ~1,300 organizations are compared too.
4. Another `--changed` services change and go straight to `hosting.sync.apply`, services
   only: what the sync API or the WHMCS adapter sends when only services changed.
JSON on stdout and in bench/results/15-import-<label>.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/destek_hosting_bench"

COLUMNS = ["external_id", "kind", "plan", "status", "domain", "server", "datacenter",
           "ip_addresses", "control_panel", "control_panel_url", "started_on", "renews_on",
           "billing_cycle", "recurring_amount", "currency", "customer_external_id",
           "customer_email", "customer_name", "customer_language", "organization_external_id",
           "organization_name", "attr_os"]
# kind: (share, plans with their monthly price in USD, panel)
KINDS: dict[str, tuple[float, list[tuple[str, float]], str]] = {
    "shared": (0.42, [("Starter", 3.5), ("Business", 7.9), ("Pro", 14.9)], "cpanel"),
    "domain": (0.20, [(".com.tr", 1.2), (".com", 1.1), (".net", 1.3)], ""),
    "ssl": (0.07, [("DV SSL", 0.9), ("Wildcard SSL", 6.5)], ""),
    "vps": (0.12, [("VPS 2", 12.0), ("VPS 4", 24.0), ("VPS 8", 48.0)], "plesk"),
    "dedicated": (0.03, [("E-2388G", 119.0), ("EPYC 7443P", 289.0)], ""),
    "email": (0.06, [("Mail 10", 2.0), ("Mail 50", 6.0)], ""),
    "reseller": (0.04, [("Reseller 50", 29.0), ("Reseller 200", 79.0)], "directadmin"),
    "backup": (0.05, [("Backup 100 GB", 4.0), ("Backup 1 TB", 19.0)], ""),
    "other": (0.01, [("Managed service", 50.0)], ""),
}
CURRENCIES = [("TRY", 0.55, 34.0), ("USD", 0.30, 1.0), ("EUR", 0.15, 0.92)]
FIRST = ["Ayşe", "Mehmet", "Elif", "Mustafa", "Zeynep", "Ahmet", "Şule", "Oğuz", "İrem", "Çağla",
         "John", "Maria", "Hasan", "Gül", "Emre", "Özlem"]
LAST = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Arslan", "Doğan",
        "Koç", "Smith", "Müller", "Güneş", "Ekinci"]


def generate(services: int, customers: int, seed: int) -> tuple[bytes, list[list[str]]]:
    """The CSV (semicolons, UTF-8 with a BOM, as a Turkish spreadsheet saves it) and its rows."""
    rng = random.Random(seed)
    kinds = list(KINDS)
    weights = [KINDS[k][0] for k in kinds]
    orgs = max(1, int(customers * 0.3 / 8))
    owners = []
    for n in range(customers):
        org = rng.randrange(orgs) if rng.random() < 0.3 else None
        owners.append((f"C{n}", f"customer{n}@example.com.tr",
                       f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice(["tr", "tr", "en"]),
                       f"O{org}" if org is not None else "",
                       f"Örnek Bilişim {org} A.Ş." if org is not None else ""))
    rows = []
    today = date(2026, 12, 7)
    for n in range(services):
        owner = owners[n % customers] if n < customers else owners[rng.randrange(customers)]
        kind = rng.choices(kinds, weights)[0]
        plan, usd = rng.choice(KINDS[kind][1])
        currency, _share, rate = rng.choices(CURRENCIES, [c[1] for c in CURRENCIES])[0]
        cycle = "annually" if kind in ("domain", "ssl") or rng.random() < 0.4 else "monthly"
        months = 12 if cycle == "annually" else 1
        started = today - timedelta(days=rng.randrange(1, 3000))
        renews = today + timedelta(days=rng.randrange(1, 365))
        status = rng.choices(["active", "suspended", "cancelled", "pending"],
                             [0.86, 0.04, 0.08, 0.02])[0]
        server = {"shared": f"web{rng.randrange(60):02d}.ist", "vps": f"node{rng.randrange(40)}",
                  "dedicated": f"rack{rng.randrange(12)}-u{rng.randrange(42)}",
                  "reseller": f"web{rng.randrange(60):02d}.ist"}.get(kind, "")
        domain = f"site{n}.{rng.choice(['com.tr', 'com', 'net', 'org'])}"
        if rng.random() < 0.03:
            domain = f"örnek{n}.com.tr"
        ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" if server else ""
        panel = KINDS[kind][2]
        rows.append([
            f"S{n}", kind, plan, status, domain, server,
            rng.choice(["Istanbul", "Frankfurt", "Amsterdam"]) if server else "", ip, panel,
            f"https://{server}.panel.example.net:2083/" if panel and server else "",
            started.isoformat(), renews.strftime("%d.%m.%Y"), cycle,
            f"{usd * rate * months:.2f}".replace(".", ","), currency, owner[0], owner[1],
            owner[2], owner[3], owner[4], owner[5],
            rng.choice(["AlmaLinux 9", "Debian 13", "Ubuntu 24.04"]) if kind in (
                "vps", "dedicated") else ""])
    return to_csv(rows), rows


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def changed(rows: list[list[str]], count: int, seed: int) -> bytes:
    rng = random.Random(seed + 1)
    picked = rng.sample(rows, min(count, len(rows)))
    out = []
    for row in picked:
        row = list(row)
        what = rng.randrange(4)
        if what == 0:
            row[COLUMNS.index("renews_on")] = "01.06.2028"
        elif what == 1:
            row[COLUMNS.index("recurring_amount")] = "999,00"
        elif what == 2:
            row[COLUMNS.index("status")] = "suspended"
        else:
            row[COLUMNS.index("plan")] = row[COLUMNS.index("plan")] + " (2027)"
        out.append(row)
    return to_csv(out)


def _backend_cpu_seconds() -> float | None:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_import(raw: bytes, *, label: str, source: str, records: int) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from destek.accounts.models import Role, User
    from destek.hosting import imports
    from destek.hosting.models import ImportJob, ImportState

    admin, _created = User.objects.get_or_create(
        email="bench-admin@example.com", defaults={"role": Role.ADMIN, "is_staff": True})
    upload_started = time.perf_counter()
    job = imports.import_upload(actor=admin, upload=SimpleUploadedFile(
        f"{label}.csv", raw, content_type="text/csv"), source=source)
    upload_seconds = time.perf_counter() - upload_started
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.QUEUED)
    backend_before = _backend_cpu_seconds()
    cpu_before = time.process_time()
    started = time.perf_counter()
    job = imports.import_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    python_cpu = time.process_time() - cpu_before
    backend_after = _backend_cpu_seconds()
    return {
        "lines": job.total, "state": job.state, "upload_check_seconds": round(upload_seconds, 2),
        "seconds": round(seconds, 2), "services_per_second": round(records / seconds),
        "cpu_seconds": {"python": round(python_cpu, 2),
                        "postgres_backend": round(backend_after - backend_before, 2)
                        if backend_before is not None and backend_after is not None else None},
        "counts": job.counts, "errors": job.error_count,
    }


def run_sync(raw: bytes, *, source: str) -> dict[str, Any]:
    """The engine alone, services only: what the sync API or the WHMCS adapter hands it when
    only services changed (their owners are not sent again)."""
    from destek.hosting import sync
    from destek.hosting.csv_rows import decode, open_text, records

    chunk = records(open_text(decode(raw)).rows)
    backend_before = _backend_cpu_seconds()
    cpu_before = time.process_time()
    started = time.perf_counter()
    report = sync.apply(source=source, services=chunk.services)
    seconds = time.perf_counter() - started
    python_cpu = time.process_time() - cpu_before
    backend_after = _backend_cpu_seconds()
    return {
        "services": len(chunk.services), "seconds": round(seconds, 2),
        "services_per_second": round(len(chunk.services) / seconds),
        "cpu_seconds": {"python": round(python_cpu, 2),
                        "postgres_backend": round(backend_after - backend_before, 2)
                        if backend_before is not None and backend_after is not None else None},
        "updated": report.updated, "unchanged": report.unchanged, "errors": len(report.errors),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=40_000)
    parser.add_argument("--changed", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--label", default="postgres")
    parser.add_argument("--no-unchanged", action="store_true",
                        help="skip importing the first file a second time")
    parser.add_argument("--database-url",
                        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    args = parser.parse_args(argv)

    from bench.mail import recreate_database

    recreate_database(args.database_url)
    data_dir = Path(tempfile.mkdtemp(prefix="destek-hosting-bench-"))
    env = {**os.environ, "DATABASE_URL": args.database_url, "DEBUG": "0",
           "DJANGO_SETTINGS_MODULE": "destek.settings", "DESTEK_DATA_DIR": str(data_dir),
           "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)}
    subprocess.run([sys.executable, "-c", "from destek.cli import main; main()", "migrate",
                    "-v0"], env=env, check=True, cwd=ROOT)
    os.environ.update(env)
    import django

    django.setup()
    from destek.accounts.models import Organization, User
    from destek.hosting.models import CustomerValue, Service

    generated = time.perf_counter()
    first, rows = generate(args.services, args.customers, args.seed)
    generate_seconds = time.perf_counter() - generated
    result: dict[str, Any] = {
        "benchmark": "hosting_import", "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "services": args.services, "customers": args.customers,
        "csv_bytes": len(first), "generate_seconds": round(generate_seconds, 2),
    }
    result["first_import"] = run_import(first, label="first", source="billing",
                                        records=args.services)
    result["rows_after"] = {"services": Service.objects.count(),
                            "customers": User.objects.filter(role="customer").count(),
                            "organizations": Organization.objects.count(),
                            "customer_values": CustomerValue.objects.count()}
    if not args.no_unchanged:
        result["unchanged_reimport"] = run_import(first, label="again", source="billing",
                                                  records=args.services)
    result["changed_import"] = run_import(changed(rows, args.changed, args.seed),
                                          label="changed", source="billing",
                                          records=args.changed)
    result["changed_sync"] = run_sync(changed(rows, args.changed, args.seed + 1),
                                      source="billing")
    from bench.machine import machine_info

    result["machine"] = machine_info()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"15-import-{args.label}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
