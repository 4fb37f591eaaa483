"""One sync of one WHMCS connection: read, map, apply, report.

1. Claim the connection (a lease on its row, extended as pages arrive): one run at a time; a
   run whose worker died is taken over when its lease ends, and marked interrupted.
2. Read the catalog (GetProducts: product types and server modules; GetCurrencies).
3. Page through GetClients, then GetClientsProducts and GetClientsDomains (all clients), and
   hand the records to the sync engine (`hosting.sync.apply`) in batches. The engine writes only
   rows that changed, so running again after a crash re-applies everything at no cost.
4. A page that still fails after the client's retries is skipped and reported; the run is then
   partial. Only a complete run (every page read, every count matching WHMCS's `totalresults`)
   cancels the services WHMCS no longer lists — cancelled, never deleted.
5. The run's counts, errors and pages are kept in `WhmcsSyncRun` for the admin."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from queue import Full, Queue
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from destek.core.sealing import Unreadable
from destek.hosting import sync as engine
from destek.hosting.models import (
    Service,
    ServiceStatus,
    SyncStatus,
    WhmcsClientDetails,
    WhmcsConnection,
    WhmcsSyncRun,
)
from destek.hosting.records import (
    CustomerRecord,
    OrganizationRecord,
    RowError,
    ServiceRecord,
    SyncReport,
)
from destek.hosting.services import accounts_of, refresh_values
from destek.hosting.whmcs.client import Page, WhmcsClient, WhmcsError
from destek.hosting.whmcs.mapping import (
    Catalog,
    MappingError,
    Owner,
    Product,
    map_client,
    map_domain,
    map_product,
)

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
BATCH = 2500  # records per call to the engine
KEPT_ERRORS = 200  # errors stored on the run; the count is exact
DETAILS_MAX_AGE = timedelta(days=7)
READ_AHEAD = 4  # pages fetched ahead of the one being applied

T = TypeVar("T")

ClientFactory = Callable[[WhmcsConnection], WhmcsClient]


def default_client(connection: WhmcsConnection) -> WhmcsClient:
    try:
        secret = connection.api_secret()
    except Unreadable:
        raise WhmcsError("The saved API secret cannot be decrypted (SECRET_KEY changed "
                         "since it was saved): enter the secret again.") from None
    return WhmcsClient(url=connection.url, identifier=connection.identifier, secret=secret)


# --- claiming -----------------------------------------------------------------------------

def due_connection_ids(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return [c.pk for c in WhmcsConnection.objects.filter(enabled=True).only(
                "pk", "interval_minutes", "last_started_at")
            if c.last_started_at is None
            or c.last_started_at <= now - timedelta(minutes=c.interval_minutes)]


def claim(*, connection_id: int, now: datetime, scheduled: bool) -> bool:
    """Take the connection for one run. A scheduled run also checks the interval again here,
    so a second task queued by an early beat tick does nothing."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    rows = WhmcsConnection.objects.filter(free, pk=connection_id)
    if scheduled:
        rows = rows.filter(enabled=True)
        connection = rows.only("interval_minutes").first()
        if connection is None:
            return False
        rows = rows.filter(Q(last_started_at__isnull=True) | Q(
            last_started_at__lte=now - timedelta(minutes=connection.interval_minutes)))
    claimed = rows.update(claimed_until=now + LEASE, last_started_at=now) == 1
    if claimed:  # whatever ran before us is dead: its lease ended
        WhmcsSyncRun.objects.filter(connection_id=connection_id,
                                    status=SyncStatus.RUNNING).update(
            status=SyncStatus.FAILED, finished_at=now,
            message="Interrupted: the worker stopped before the run finished.")
    return claimed


def _extend(connection_id: int) -> None:
    WhmcsConnection.objects.filter(pk=connection_id).update(
        claimed_until=timezone.now() + LEASE)


def _release(connection_id: int) -> None:
    WhmcsConnection.objects.filter(pk=connection_id).update(claimed_until=None)


# --- one run --------------------------------------------------------------------------------

@dataclass
class RunState:
    connection: WhmcsConnection
    client: WhmcsClient  # the catalog and client details, from this thread
    reader: WhmcsClient  # the pages, from the read-ahead thread (an httpx client per thread)
    report: SyncReport = field(default_factory=SyncReport)
    seen: set[str] = field(default_factory=set)  # service external ids WHMCS listed
    owners: dict[str, Owner] = field(default_factory=dict)  # by WHMCS client id
    pages: int = 0
    failed_pages: int = 0
    complete: bool = True
    problems: list[str] = field(default_factory=list)

    def error(self, kind: str, external_id: str, message: str) -> None:
        self.report.errors.append(RowError(kind=kind, external_id=external_id,
                                           message=message))

    def page_failed(self, action: str, start: int, message: str) -> None:
        self.failed_pages += 1
        self.complete = False
        self.problems.append(f"{action} from row {start}: {message}")


def sync_connection(*, connection_id: int, manual: bool = False,
                    client_factory: ClientFactory = default_client) -> WhmcsSyncRun | None:
    """Run the sync now if the connection is free (and due, unless `manual`); the run's
    record, or None when another run holds it or it is not due."""
    now = timezone.now()
    if not claim(connection_id=connection_id, now=now, scheduled=not manual):
        return None
    connection = WhmcsConnection.objects.get(pk=connection_id)
    run = WhmcsSyncRun.objects.create(connection=connection, manual=manual, started_at=now)
    state: RunState | None = None
    try:
        with client_factory(connection) as client, client_factory(connection) as reader:
            state = RunState(connection=connection, client=client, reader=reader)
            _sync(state)
        run.status = SyncStatus.SUCCESS if state.complete else SyncStatus.PARTIAL
        run.message = "\n".join(state.problems)
    except WhmcsError as error:
        run.status, run.message = SyncStatus.FAILED, error.message
        if state:
            run.message = "\n".join([*state.problems, error.message])
    except Exception as error:
        logger.exception("WHMCS sync of connection %s failed", connection_id)
        run.status, run.message = SyncStatus.FAILED, f"{type(error).__name__}: {error}"
        raise
    finally:
        _finish(run, state)
        _release(connection_id)
    return run


def _finish(run: WhmcsSyncRun, state: RunState | None) -> None:
    run.finished_at = timezone.now()
    if state is not None:
        report = state.report
        run.created, run.updated = report.created, report.updated
        run.unchanged, run.deleted = report.unchanged, report.deleted
        run.error_count = len(report.errors)
        run.errors = [{"kind": e.kind, "external_id": e.external_id, "message": e.message}
                      for e in report.errors[:KEPT_ERRORS]]
        run.pages, run.failed_pages = state.pages, state.failed_pages
        run.calls = state.client.calls + state.reader.calls
    run.save()


def _sync(state: RunState) -> None:
    catalog = read_catalog(state.client, state.connection)
    _sync_clients(state, catalog)
    for action, mapper in (("GetClientsProducts", map_product),
                           ("GetClientsDomains", map_domain)):
        _sync_services(state, catalog, action, mapper)
    if state.complete:
        cancel_missing(state)


def read_catalog(client: WhmcsClient, connection: WhmcsConnection) -> Catalog:
    products = {str(row.get("pid")): Product(type=str(row.get("type") or ""),
                                             module=str(row.get("module") or ""),
                                             group=str(row.get("groupname") or ""))
                for row in client.all_rows("GetProducts")}
    currencies = {str(row.get("id")): str(row.get("code") or "").upper()
                  for row in client.all_rows("GetCurrencies")}
    return Catalog(source=connection.source, default_currency=connection.default_currency,
                   products=products, currencies=currencies,
                   kind_map=dict(connection.kind_map or {}))


def each_page(state: RunState, action: str) -> Iterator[Page]:
    """Every page of a list, read ahead in a thread (`read_ahead`) while the caller maps and
    applies the pages before. The first page must answer (nothing is known without it); a
    later page that fails is skipped and reported, and the run can no longer cancel."""
    total: int | None = None
    seen = 0
    fetched = fetch_pages(state.reader, action, size=state.connection.page_size)
    with closing(read_ahead(fetched, depth=READ_AHEAD)) as pages:
        for start, page in pages:
            if isinstance(page, WhmcsError):
                state.page_failed(action, start, page.message)
                continue
            state.pages += 1
            _extend(state.connection.pk)
            if total is None:
                total = page.total
            elif page.total != total:
                state.complete = False  # rows came or went while we read: counts cannot be trusted
            seen += len(page.rows)
            yield page
    if seen != total and state.failed_pages == 0:
        state.complete = False
        state.problems.append(f"{action}: WHMCS announced {total} rows, sent {seen}")


def fetch_pages(client: WhmcsClient, action: str, *,
                size: int) -> Iterator[tuple[int, Page | WhmcsError]]:
    """Each page of a list with its offset, or the error that stopped it after the client's
    retries (the first page's error is raised: nothing is known without it). Network only,
    no database: it runs in the read-ahead thread."""
    start, total, first = 0, 0, True
    while first or start < total:
        try:
            page = client.page(action, start=start, size=size)
        except WhmcsError as error:
            if first:
                raise
            yield start, error
            start += size
            continue
        if first:
            total, first = page.total, False
        yield start, page
        if not page.rows:
            return
        start += len(page.rows)


def read_ahead(items: Iterator[T], *, depth: int) -> Generator[T, None, None]:
    """`items` produced by a thread, at most `depth` ahead of the consumer, so WHMCS answers
    the next pages while this process and PostgreSQL apply the last. What the producer raises
    is raised here, in order. Closing (or leaving) the generator stops the thread once its
    current item is done."""
    queue: Queue[tuple[str, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                queue.put((kind, value), timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            put("error", error)
        else:
            put("done", None)

    thread = threading.Thread(target=produce, name="whmcs-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


def _signature(row: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()


def _client_details(state: RunState, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """GetClientsDetails for the clients of a page that are new or changed (or whose copy is
    old); the kept copy for the others."""
    if not state.connection.fetch_client_details:
        return {}
    ids = [int(str(row.get("id"))) for row in rows if str(row.get("id", "")).isdigit()]
    kept = {d.client_id: d for d in WhmcsClientDetails.objects.filter(
        connection=state.connection, client_id__in=ids)}
    now = timezone.now()
    out: dict[str, dict[str, Any]] = {}
    fresh: list[WhmcsClientDetails] = []
    for row in rows:
        if not str(row.get("id", "")).isdigit():
            continue
        whmcs_id, signature = int(str(row["id"])), _signature(row)
        copy = kept.get(whmcs_id)
        age_limit = DETAILS_MAX_AGE + timedelta(hours=whmcs_id % 24)  # spread the refreshes
        if copy and copy.signature == signature and copy.fetched_at > now - age_limit:
            out[str(whmcs_id)] = copy.details
            continue
        try:
            reply = state.client.call("GetClientsDetails", clientid=whmcs_id, stats="false")
        except WhmcsError as error:
            if copy:  # an old copy beats a guess
                out[str(whmcs_id)] = copy.details
            else:
                out[str(whmcs_id)] = {"_error": error.message}
            continue
        nested = reply.get("client")
        detail: dict[str, Any] = nested if isinstance(nested, dict) else reply
        kept_fields = {key: detail.get(key) for key in (
            "currency", "currency_code", "phonenumber", "phonenumberformatted", "language",
            "companyname") if detail.get(key) not in (None, "")}
        out[str(whmcs_id)] = kept_fields
        fresh.append(WhmcsClientDetails(connection=state.connection, client_id=whmcs_id,
                                        signature=signature, details=kept_fields,
                                        fetched_at=now))
    if fresh:
        WhmcsClientDetails.objects.bulk_create(
            fresh, update_conflicts=True, unique_fields=["connection", "client_id"],
            update_fields=["signature", "details", "fetched_at"])
    return out


def _sync_clients(state: RunState, catalog: Catalog) -> None:
    organizations: list[OrganizationRecord] = []
    customers: list[CustomerRecord] = []
    for page in each_page(state, "GetClients"):
        details = _client_details(state, page.rows)
        for row in page.rows:
            whmcs_id = str(row.get("id", ""))
            detail = details.get(whmcs_id)
            if detail and "_error" in detail:
                state.complete = False
                state.error("customer", f"{catalog.source}:client:{whmcs_id}",
                            f"GetClientsDetails: {detail['_error']}")
                continue
            try:
                customer, organization, owner = map_client(row, detail, catalog=catalog)
            except MappingError as error:
                state.error("customer", f"{catalog.source}:client:{whmcs_id}", error.message)
                continue
            customers.append(customer)
            if organization:
                organizations.append(organization)
            state.owners[whmcs_id] = owner
        if len(customers) >= BATCH:
            _apply(state, organizations=organizations, customers=customers)
            organizations, customers = [], []
    _apply(state, organizations=organizations, customers=customers)


def _sync_services(state: RunState, catalog: Catalog, action: str,
                   mapper: Callable[..., ServiceRecord]) -> None:
    prefix = "product" if action == "GetClientsProducts" else "domain"
    services: list[ServiceRecord] = []
    for page in each_page(state, action):
        for row in page.rows:
            row_id = str(row.get("id", "")).strip()
            if not row_id.isdigit():
                state.complete = False
                state.error("service", "", f"{action}: a row without an id")
                continue
            external_id = f"{prefix}:{row_id}"
            state.seen.add(external_id)
            owner = state.owners.get(str(row.get("clientid") or row.get("userid") or ""))
            if owner is None:
                state.error("service", external_id,
                            "its WHMCS client was not read in this run; left as it was")
                continue
            try:
                services.append(mapper(row, catalog=catalog, owner=owner))
            except MappingError as error:
                state.error("service", external_id, error.message)
        if len(services) >= BATCH:
            _apply(state, services=services)
            services = []
    _apply(state, services=services)


def _apply(state: RunState, *, organizations: list[OrganizationRecord] | None = None,
           customers: list[CustomerRecord] | None = None,
           services: list[ServiceRecord] | None = None) -> None:
    if not (organizations or customers or services):
        return
    state.report.add(engine.apply(source=state.connection.source,
                                  organizations=organizations or (),
                                  customers=customers or (), services=services or (),
                                  batch_size=BATCH))


def cancel_missing(state: RunState) -> int:
    """Services of this connection that WHMCS no longer lists: cancelled (ended today unless
    they already had an end date), never deleted; tickets keep pointing at them."""
    today = timezone.localdate()
    rows = (Service.objects.filter(source=state.connection.source)
            .exclude(status=ServiceStatus.CANCELLED).values_list("pk", "external_id"))
    gone = [(pk, external_id) for pk, external_id in rows.iterator(chunk_size=5000)
            if external_id not in state.seen]
    for start in range(0, len(gone), BATCH):
        ids = [pk for pk, _ in gone[start:start + BATCH]]
        with transaction.atomic():
            accounts = accounts_of(ids)
            Service.objects.filter(pk__in=ids).update(
                status=ServiceStatus.CANCELLED, updated_at=timezone.now(),
                ended_on=Coalesce(F("ended_on"), Value(today)))
            refresh_values(accounts)
    if gone:
        state.report.deleted["service"] = state.report.deleted.get("service", 0) + len(gone)
        shown = ", ".join(external_id for _, external_id in gone[:20])
        more = f" (+{len(gone) - 20})" if len(gone) > 20 else ""
        state.problems.append(f"Cancelled {len(gone)} services WHMCS no longer lists: "
                              f"{shown}{more}")
    return len(gone)


def check_connection(*, connection: WhmcsConnection,
                    client_factory: ClientFactory = default_client) -> str:
    """One cheap call that needs valid credentials and an allowed IP; the number of clients
    WHMCS reports, or a WhmcsError explaining what is wrong."""
    with client_factory(connection) as client:
        page = client.page("GetClients", start=0, size=1)
    return f"{page.total}"

