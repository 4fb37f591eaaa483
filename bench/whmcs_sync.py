"""`python -m bench.whmcs_sync`: the WHMCS sync end to end on PostgreSQL.

    flock /tmp/destek-bench.lock .venv/bin/python -m bench.whmcs_sync             # 10,000 services
    flock /tmp/destek-bench.lock .venv/bin/python -m bench.whmcs_sync --services 2000 --tag try

A fake WHMCS (`destek.hosting.whmcs.testing.FakeWhmcs`, a real HTTP server on 127.0.0.1) runs
in a child process, so this process's CPU is the sync's alone. It serves `--services` products
(two per client, every client with GetClientsDetails) in WHMCS's documented reply shapes. The
sync (`hosting.whmcs.run.sync_connection`: HTTP client, paging, mapping, the engine
`hosting.sync.apply`, the worth of every touched account) runs three times on its own database
(`destek_whmcs_bench`, recreated):

1. *first import*: every client, organization and service created (and every client's details
   read, one call each);
2. *every service changed*: status, amount and due date of all services moved in WHMCS;
3. *nothing changed*: the steady state of a scheduled run.

Reported per run: wall seconds, services/s, CPU seconds of this process and of its PostgreSQL
backend (from /proc), API calls and pages. JSON on stdout and in
bench/results/15-whmcs-<tag>.json. The goal (issue 15): run 2 at ≥ 2,000 services/s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/destek_whmcs_bench"
STATUSES = ("Active", "Active", "Active", "Suspended", "Pending")
CYCLES = ("Monthly", "Quarterly", "Semi-Annually", "Annually", "Biennially")


def whmcs_data(services: int, version: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Replies for `services` products, two per client; `version` moves every product."""
    clients = []
    details = {}
    for n in range(1, services // 2 + 1):
        company = f"Company {n}" if n % 3 == 0 else ""
        clients.append({"id": n, "firstname": f"First{n}", "lastname": f"Last{n}",
                        "companyname": company, "email": f"client{n}@example.com",
                        "datecreated": "2020-01-01", "groupid": 0, "status": "Active"})
        details[str(n)] = {"result": "success", "client": {
            "id": n, "currency": 1 + n % 2, "currency_code": ("USD", "TRY")[n % 2],
            "phonenumber": f"555{n:07d}", "language": ("english", "turkish")[n % 2],
            "companyname": company}}
    products = []
    for n in range(1, services + 1):
        client = (n + 1) // 2
        products.append({
            "id": n, "clientid": client, "pid": 1 + n % 3, "regdate": "2021-03-01",
            "name": ("Starter", "Pro", "VPS 4 GB")[n % 3],
            "groupname": ("Shared Hosting", "Shared Hosting", "VPS")[n % 3],
            "domain": f"site{n}.example.com", "dedicatedip": f"10.{n // 65536}.{n // 256 % 256}"
                                                           f".{n % 256}",
            "servername": f"web{n % 40:02d}", "serverip": "192.0.2.10",
            "serverhostname": f"web{n % 40:02d}.example.net", "assignedips": "",
            "recurringamount": f"{10 + n % 50 + version}.00",
            "billingcycle": CYCLES[(n + version) % len(CYCLES)],
            "nextduedate": f"{2027 + version}-0{1 + n % 9}-15",
            "status": STATUSES[(n + version) % len(STATUSES)], "username": f"user{n}",
            "password": "x", "ordernumber": str(1000000 + n)})
    catalog = [{"pid": 1, "gid": 1, "type": "hostingaccount", "name": "Pro", "module": "cpanel"},
               {"pid": 2, "gid": 2, "type": "server", "name": "VPS 4 GB", "module": "proxmox"},
               {"pid": 3, "gid": 1, "type": "hostingaccount", "name": "Starter",
                "module": "plesk"}]
    replies = {
        "GetClients": {"result": "success", "totalresults": len(clients),
                       "clients": {"client": clients}},
        "GetClientsProducts": {"result": "success", "totalresults": len(products),
                               "products": {"product": products}},
        "GetClientsDomains": {"result": "success", "totalresults": "0",
                              "domains": {"domain": []}},
        "GetProducts": {"result": "success", "totalresults": 3,
                        "products": {"product": catalog}},
        "GetCurrencies": {"result": "success", "totalresults": 2, "currencies": {"currency": [
            {"id": 1, "code": "USD"}, {"id": 2, "code": "TRY"}]}},
    }
    return replies, details


def _serve(services: int, version: int, port_out: Any, stop: Any) -> None:
    from destek.hosting.whmcs.testing import FakeWhmcs

    replies, details = whmcs_data(services, version)
    with FakeWhmcs(replies=replies, details=details) as fake:
        port_out.put(fake.url)
        stop.wait()


class Server:
    def __init__(self, services: int, version: int) -> None:
        context = multiprocessing.get_context("fork")
        self._queue, self._stop = context.Queue(), context.Event()
        self._process = context.Process(target=_serve, daemon=True,
                                        args=(services, version, self._queue, self._stop))

    def __enter__(self) -> str:
        self._process.start()
        url: str = self._queue.get(timeout=120)
        return url

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(10)


def _backend_cpu() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(connection_id: int, url: str, services: int) -> dict[str, Any]:
    from destek.hosting.models import WhmcsConnection
    from destek.hosting.whmcs.run import sync_connection

    WhmcsConnection.objects.filter(pk=connection_id).update(url=url)
    cpu, backend, wall = time.process_time(), _backend_cpu(), time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        run = profile.runcall(sync_connection, connection_id=connection_id, manual=True)
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumtime").print_stats(25)
    else:
        run = sync_connection(connection_id=connection_id, manual=True)
    wall = time.perf_counter() - wall
    cpu, backend = time.process_time() - cpu, _backend_cpu() - backend
    assert run is not None
    return {"status": run.status, "wall_s": round(wall, 3),
            "services_per_s": round(services / wall), "cpu_s": round(cpu, 3),
            "postgres_cpu_s": round(backend, 3), "calls": run.calls, "pages": run.pages,
            "created": run.created, "updated": run.updated, "unchanged": run.unchanged,
            "errors": run.error_count, "message": run.message[:300]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--tag", default="after")
    args = parser.parse_args()

    from bench.mail import recreate_database

    recreate_database(args.database_url)
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="destek.settings",
                      DEBUG="0", SECRET_KEY=os.environ.get("SECRET_KEY")
                      or secrets.token_urlsafe(50), DESTEK_LOG_LEVEL="WARNING")
    os.environ.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-c", "from destek.cli import main; main()", "migrate",
                    "-v0"], check=True, cwd=ROOT, env=os.environ)
    import django

    django.setup()
    from destek.core.sealing import seal
    from destek.hosting.models import WHMCS_SECRET_PURPOSE, WhmcsConnection

    connection = WhmcsConnection.objects.create(
        url="http://127.0.0.1:1", identifier="api-identifier",
        sealed_secret=seal("api-secret", purpose=WHMCS_SECRET_PURPOSE),
        kind_map={"VPS": "vps"}, page_size=250)
    phases = {}
    for name, version in (("first_import", 0), ("every_service_changed", 1),
                          ("nothing_changed", 1)):
        with Server(args.services, version) as url:
            phases[name] = _run(connection.pk, url, args.services)
        print(name, json.dumps(phases[name]), file=sys.stderr)
    result = {"bench": "whmcs_sync", "services": args.services, "clients": args.services // 2,
              "page_size": 250, "cpus": os.cpu_count(), "phases": phases,
              "goal_services_per_s": 2000,
              "goal_met": phases["every_service_changed"]["services_per_s"] >= 2000}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"15-whmcs-{args.tag}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
