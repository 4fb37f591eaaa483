"""The sync engine: organizations, customers and services from a billing system (REST API, CSV
import, WHMCS…) applied idempotently, in batches, with a report of what changed.

`apply` validates each record once (`hosting.validation`), reports a bad one as a `RowError`
and applies the rest. Records are matched by external id (customers then by email: a customer
who already wrote in keeps their tickets), written in batches of `batch_size` with a fixed
number of queries per batch (one `IN` read per kind, one `bulk_create`, one `bulk_update` of
the rows that changed), and the worth of every account a batch moved is recomputed in the same
transaction. Applying the same records twice writes nothing and reports them `unchanged`.

A batch that a concurrent writer makes conflict (a unique email or name taken between our read
and our write) is retried one record at a time, so the conflict costs one row, not the batch.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, transaction
from django.db.models import F, Model, ProtectedError, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from destek.accounts.models import Organization, Role, User
from destek.core.errors import ApplicationError
from destek.hosting.models import Service
from destek.hosting.records import (
    CustomerRecord,
    OrganizationRecord,
    RowError,
    ServiceRecord,
    SyncReport,
)
from destek.hosting.services import PRICED_FIELDS, Accounts, refresh_values
from destek.hosting.validation import (
    Invalid,
    clean_customer,
    clean_organization,
    clean_service,
    clean_source,
    one_line,
)

BATCH_SIZE = 1000
ORGANIZATION, CUSTOMER, SERVICE = "organization", "customer", "service"
SERVICE_FIELDS = ("customer_id", "organization_id", "kind", "plan", "status", "domain", "server",
                  "datacenter", "ip_addresses", "control_panel", "control_panel_url",
                  "started_on", "renews_on", "ended_on", "billing_cycle", "recurring_amount",
                  "currency", "attributes")
_OWNER_FIELDS = {"customer_id", "organization_id"}
_VALUE_FIELDS = _OWNER_FIELDS | set(PRICED_FIELDS)

R = TypeVar("R")


@dataclass
class _Batch:
    """One batch's outcome, merged into the run's report only once its transaction commits."""

    kind: str
    report: SyncReport = field(default_factory=SyncReport)
    accounts: Accounts = field(default_factory=Accounts)

    def error(self, row: int, external_id: str, message: str) -> None:
        self.report.errors.append(RowError(kind=self.kind, external_id=external_id,
                                           message=message, row=row))

    def count(self, outcome: str, n: int = 1) -> None:
        if n:
            bucket = getattr(self.report, outcome)
            bucket[self.kind] = bucket.get(self.kind, 0) + n


def apply(*, source: str, organizations: Iterable[OrganizationRecord] = (),
          customers: Iterable[CustomerRecord] = (), services: Iterable[ServiceRecord] = (),
          language: str | None = None, batch_size: int = BATCH_SIZE) -> SyncReport:
    """Apply the records (organizations first, then customers, then services: each may name
    the ones before it). `RowError.row` is the record's position in its own list (from 0);
    error messages are in `language` (default: the active one)."""
    with translation.override(language) if language else nullcontext():
        try:
            source = clean_source(source)
        except Invalid as exc:
            raise ApplicationError(exc.message, field="source") from None
        report = SyncReport()
        # Resellers first, so an end customer can name a reseller sent later in the list.
        orgs = sorted(enumerate(organizations), key=lambda item: not item[1].is_reseller)
        _in_batches(orgs, batch_size, report, ORGANIZATION, _apply_organizations, source)
        _in_batches(list(enumerate(customers)), batch_size, report, CUSTOMER,
                    _apply_customers, source)
        _in_batches(list(enumerate(services)), batch_size, report, SERVICE,
                    _apply_services, source)
        report.errors.sort(key=lambda e: (e.kind != ORGANIZATION, e.kind != CUSTOMER,
                                          e.row if e.row is not None else -1))
        return report


def _in_batches(items: Sequence[tuple[int, R]], size: int, report: SyncReport, kind: str,
                run: Callable[[_Batch, Sequence[tuple[int, R]], str], None],
                source: str) -> None:
    for start in range(0, len(items), max(1, size)):
        chunk = items[start:start + max(1, size)]
        try:
            report.add(_commit(kind, run, chunk, source))
        except IntegrityError:
            # Someone else wrote a conflicting row meanwhile: one record at a time.
            for item in chunk:
                try:
                    report.add(_commit(kind, run, [item], source))
                except IntegrityError:
                    report.errors.append(RowError(
                        kind=kind, external_id=getattr(item[1], "external_id", ""),
                        row=item[0], message=_("This record conflicts with another one saved "
                                               "at the same time; send it again.")))


def _commit(kind: str, run: Callable[[_Batch, Sequence[tuple[int, R]], str], None],
            chunk: Sequence[tuple[int, R]], source: str) -> SyncReport:
    batch = _Batch(kind)
    with transaction.atomic():
        run(batch, chunk, source)
        refresh_values(batch.accounts)
    return batch.report


def _unusable_password() -> str:
    """What `make_password(None)` stores (the unusable prefix and a random suffix), at a
    hundredth of its cost: it draws 40 characters one `secrets.choice` at a time, 5 s of
    creating 40,000 customers."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _by_external_ids(ids: Iterable[str]) -> Q:
    """`external_id IN ids`, with the partial unique indexes' own condition (`NOT external_id
    = ''`) spelt out: PostgreSQL proves a long IN list implies it only up to 100 values, and
    would read the whole table instead of the index for a batch of 1,000."""
    return Q(external_id__in=list(ids)) & ~Q(external_id="")


def _changes(obj: Model, values: dict[str, Any]) -> set[str]:
    """Set `values` on `obj`; the names of the fields that changed."""
    changed = set()
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.add(name)
    return changed


def _unique_valid(batch: _Batch, chunk: Sequence[tuple[int, Any]],
                  clean: Callable[[Any], dict[str, Any]], *, also_unique: str,
                  clash: str) -> list[tuple[int, dict[str, Any]]]:
    """The chunk's records that pass `clean` and appear once in it, by external id and by
    `also_unique` (`clash` says why a second one is refused); the rest are reported."""
    valid: list[tuple[int, dict[str, Any]]] = []
    seen_ids: set[str] = set()
    seen_other: set[str] = set()
    for row, record in chunk:
        try:
            cleaned = clean(record)
        except Invalid as exc:
            batch.error(row, one_line(record.external_id), exc.message)
            continue
        if cleaned["external_id"] in seen_ids:
            batch.error(row, cleaned["external_id"], _("This external id appears twice."))
            continue
        if cleaned[also_unique] in seen_other:
            batch.error(row, cleaned["external_id"], clash)
            continue
        seen_ids.add(cleaned["external_id"])
        seen_other.add(cleaned[also_unique])
        valid.append((row, cleaned))
    return valid


# Organizations ------------------------------------------------------------------------------

def _apply_organizations(batch: _Batch, chunk: Sequence[tuple[int, OrganizationRecord]],
                         source: str) -> None:
    valid = _unique_valid(batch, chunk, clean_organization, also_unique="name",
                          clash=_("Another organization in this batch has the same name."))
    if not valid:
        return
    seen_ids = {c["external_id"] for _row, c in valid}
    seen_names = {c["name"] for _row, c in valid}
    refs = {c["reseller_external_id"] for _row, c in valid if c["reseller_external_id"]}
    by_id = {o.external_id: o for o in
             Organization.objects.filter(_by_external_ids(seen_ids | refs))}
    by_name = {o.name: o for o in Organization.objects.filter(name__in=seen_names)}
    resellers_here = {c["external_id"] for _row, c in valid if c["is_reseller"]}

    new: list[Organization] = []
    changed_rows: list[Organization] = []
    changed_fields: set[str] = set()
    pending_reseller: list[tuple[Organization, str]] = []
    written: dict[str, Organization] = {}
    for row, clean in valid:
        ext = clean["external_id"]
        org = by_id.get(ext)
        holder = by_name.get(clean["name"])
        if org is None and holder is not None and not holder.external_id:
            org = holder  # typed in by hand before the billing system knew it: adopt it
        elif holder is not None and (org is None or holder.pk != org.pk):
            batch.error(row, ext, _("Another organization is already called “%(name)s”.")
                        % {"name": clean["name"]})
            continue
        ref = clean["reseller_external_id"]
        reseller = by_id.get(ref) if ref else None
        if ref and (ref == ext or (ref not in resellers_here
                                   and (reseller is None or not reseller.is_reseller))):
            batch.error(row, ext, _("The reseller “%(id)s” is not a known reseller.")
                        % {"id": ref[:64]})
            continue
        values: dict[str, Any] = {"external_id": ext, "name": clean["name"],
                                  "is_reseller": clean["is_reseller"]}
        if not ref:
            values["reseller_id"] = None
        elif reseller is not None:
            values["reseller_id"] = reseller.pk
        waits = bool(ref and reseller is None)  # its reseller is new in this batch
        if org is None:
            org = Organization(**values)
            new.append(org)
            batch.count("created")
        else:
            changes = _changes(org, values)
            changed_fields |= changes
            if changes:
                changed_rows.append(org)
            batch.count("updated" if changes or waits else "unchanged")
        written[ext] = org
        if waits:
            pending_reseller.append((org, ref))
    if new:
        Organization.objects.bulk_create(new)
    if changed_rows:
        Organization.objects.bulk_update(changed_rows, sorted(changed_fields))
    if pending_reseller:
        # End customers of a reseller created in this batch: linked now that it has a
        # primary key (one more statement, only in such batches).
        for org, ref in pending_reseller:
            reseller = written.get(ref)
            org.reseller_id = reseller.pk if reseller is not None else None
        Organization.objects.bulk_update([org for org, _ref in pending_reseller],
                                         ["reseller_id"])


# Customers ----------------------------------------------------------------------------------

def _apply_customers(batch: _Batch, chunk: Sequence[tuple[int, CustomerRecord]],
                     source: str) -> None:
    valid = _unique_valid(batch, chunk, clean_customer, also_unique="email",
                          clash=_("Another customer in this batch has the same email address."))
    if not valid:
        return
    seen_ids = {c["external_id"] for _row, c in valid}
    seen_emails = {c["email"] for _row, c in valid}
    people = User.objects.only("pk", "email", "external_id", "role", "full_name", "phone",
                               "language", "organization_id", "organization__external_id"
                               ).select_related("organization")
    by_id = {u.external_id: u for u in people.filter(_by_external_ids(seen_ids))}
    by_email = {u.email: u for u in people.filter(email__in=seen_emails)}
    refs = {c["organization_external_id"] for _row, c in valid if c["organization_external_id"]}
    org_ids = dict(Organization.objects.filter(_by_external_ids(refs))
                   .values_list("external_id", "pk")) if refs else {}

    new: list[User] = []
    changed_rows: list[User] = []
    changed_fields: set[str] = set()
    for row, clean in valid:
        ext = clean["external_id"]
        user = by_id.get(ext)
        holder = by_email.get(clean["email"])
        if user is None and holder is not None:
            if holder.external_id and holder.external_id != ext:
                batch.error(row, ext, _("This email address belongs to the customer with "
                                        "external id “%(id)s”.") % {"id": holder.external_id})
                continue
            user = holder  # wrote in before: keeps their tickets
        elif user is not None and holder is not None and holder.pk != user.pk:
            batch.error(row, ext, _("This email address is used by another account."))
            continue
        if user is not None and user.role != Role.CUSTOMER:
            batch.error(row, ext, _("This is a staff member's account, not a customer's."))
            continue
        ref = clean["organization_external_id"]
        if ref and ref not in org_ids:
            batch.error(row, ext, _("Unknown organization “%(id)s”.") % {"id": ref[:64]})
            continue
        values: dict[str, Any] = {"external_id": ext, "email": clean["email"]}
        for name in ("full_name", "phone", "language"):
            if clean[name]:  # empty: not given, left as it is
                values[name] = clean[name]
        if ref:
            values["organization_id"] = org_ids[ref]
        elif user is not None and user.organization is not None \
                and user.organization.external_id:
            values["organization_id"] = None  # left the billing system's organization
        if user is None:
            values.setdefault("language", "en")
            new.append(User(role=Role.CUSTOMER, password=_unusable_password(), **values))
            batch.count("created")
            continue
        before_org = user.organization_id
        changes = _changes(user, values)
        if not changes:
            batch.count("unchanged")
            continue
        if "organization_id" in changes:  # their services move between accounts
            for org in (before_org, user.organization_id):
                batch.accounts.add_service(customer_id=user.pk, organization_id=None,
                            customer_organization_id=org)
        changed_rows.append(user)
        changed_fields |= changes
        batch.count("updated")
    if new:
        User.objects.bulk_create(new)
    if changed_rows:
        User.objects.bulk_update(changed_rows, sorted(changed_fields))


# Services -----------------------------------------------------------------------------------

def _apply_services(batch: _Batch, chunk: Sequence[tuple[int, ServiceRecord]],
                    source: str) -> None:
    valid: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    for row, record in chunk:
        try:
            clean = clean_service(record)
        except Invalid as exc:
            batch.error(row, one_line(record.external_id), exc.message)
            continue
        if clean["external_id"] in seen:
            batch.error(row, clean["external_id"], _("This external id appears twice."))
            continue
        seen.add(clean["external_id"])
        valid.append((row, clean))
    if not valid:
        return
    existing = {s.external_id: s for s in Service.objects.filter(
        _by_external_ids(seen), source=source).annotate(owner_org=F("customer__organization_id"))}
    customer_refs = {c["customer_external_id"] for _r, c in valid if c["customer_external_id"]}
    org_refs = {c["organization_external_id"] for _r, c in valid
                if c["organization_external_id"]}
    customers = {ext: (pk, org) for ext, pk, org in User.objects.filter(
        _by_external_ids(customer_refs), role=Role.CUSTOMER).values_list(
        "external_id", "pk", "organization_id")} if customer_refs else {}
    orgs = dict(Organization.objects.filter(_by_external_ids(org_refs))
                .values_list("external_id", "pk")) if org_refs else {}

    now = timezone.now()
    new: list[Service] = []
    changed_rows: list[Service] = []
    changed_fields: set[str] = set()
    for row, clean in valid:
        ext = clean.pop("external_id")
        customer_ref = clean.pop("customer_external_id")
        org_ref = clean.pop("organization_external_id")
        if customer_ref and customer_ref not in customers:
            batch.error(row, ext, _("Unknown customer “%(id)s”.") % {"id": customer_ref[:64]})
            continue
        if org_ref and org_ref not in orgs:
            batch.error(row, ext, _("Unknown organization “%(id)s”.") % {"id": org_ref[:64]})
            continue
        customer_id, customer_org = customers[customer_ref] if customer_ref else (None, None)
        clean["customer_id"] = customer_id
        clean["organization_id"] = orgs[org_ref] if org_ref else None
        service = existing.get(ext)
        if service is None:
            new.append(Service(source=source, external_id=ext, created_at=now, updated_at=now,
                               **clean))
            batch.accounts.add_service(customer_id=customer_id,
                        organization_id=clean["organization_id"],
                        customer_organization_id=customer_org)
            batch.count("created")
            continue
        before = {"customer_id": service.customer_id,
                  "organization_id": service.organization_id,
                  "customer_organization_id": service.owner_org}
        changes = _changes(service, clean)
        if not changes:
            batch.count("unchanged")
            continue
        if changes & _VALUE_FIELDS:
            batch.accounts.add_service(**before)
            batch.accounts.add_service(customer_id=customer_id,
                        organization_id=clean["organization_id"],
                        customer_organization_id=customer_org)
        service.updated_at = now
        changed_rows.append(service)
        changed_fields |= changes
        batch.count("updated")
    if new:
        Service.objects.bulk_create(new)
    if changed_rows:
        # An upsert on the primary key writes the changed columns of every changed row in one
        # statement, like `bulk_update`, without its CASE WHEN per row and column, whose
        # building took 70 % of the CPU of re-applying 1,000 changed services (1.0 of 1.5 s,
        # bench/README.md "Issue 15"); the same on SQLite and PostgreSQL.
        Service.objects.bulk_create(changed_rows, update_conflicts=True, unique_fields=["id"],
                                    update_fields=sorted(changed_fields | {"updated_at"}))


# Deleting -----------------------------------------------------------------------------------

def delete(*, source: str, service_external_ids: Iterable[str] = (),
           customer_external_ids: Iterable[str] = (),
           organization_external_ids: Iterable[str] = (),
           language: str | None = None, batch_size: int = BATCH_SIZE) -> SyncReport:
    """Remove what the billing system removed. Services go by (source, external id);
    customers and organizations by external id, with their services. A customer who has
    tickets is never deleted: they are detached from the billing system (external id cleared,
    this source's services removed) and the report says so. Ids not found count `unchanged`."""
    with translation.override(language) if language else nullcontext():
        try:
            source = clean_source(source)
        except Invalid as exc:
            raise ApplicationError(exc.message, field="source") from None
        report = SyncReport()
        for kind, ids, run in ((SERVICE, service_external_ids, _delete_services),
                               (CUSTOMER, customer_external_ids, _delete_customers),
                               (ORGANIZATION, organization_external_ids,
                                _delete_organizations)):
            wanted = list(dict.fromkeys(one_line(i) for i in ids if one_line(i)))
            for start in range(0, len(wanted), max(1, batch_size)):
                batch = _Batch(kind)
                with transaction.atomic():
                    run(batch, wanted[start:start + max(1, batch_size)], source)
                    refresh_values(batch.accounts)
                report.add(batch.report)
        return report


def _delete_services(batch: _Batch, ids: list[str], source: str) -> None:
    rows = list(Service.objects.filter(_by_external_ids(ids), source=source).values(
        "pk", "customer_id", "organization_id", "customer__organization_id"))
    for row in rows:
        batch.accounts.add_service(customer_id=row["customer_id"],
                    organization_id=row["organization_id"],
                    customer_organization_id=row["customer__organization_id"])
    if rows:
        Service.objects.filter(pk__in=[r["pk"] for r in rows]).delete()
    batch.count("deleted", len(rows))
    batch.count("unchanged", len(ids) - len(rows))


def _delete_customers(batch: _Batch, ids: list[str], source: str) -> None:
    people = list(User.objects.filter(_by_external_ids(ids), role=Role.CUSTOMER)
                  .values_list("pk", "external_id", "organization_id"))
    batch.count("unchanged", len(ids) - len(people))
    if not people:
        return
    for _pk, _ext, org in people:
        if org:  # their services leave the organization's worth
            batch.accounts.organization_ids.add(org)
    pks = [pk for pk, _ext, _org in people]
    try:
        with transaction.atomic():
            User.objects.filter(pk__in=pks).delete()
        batch.count("deleted", len(pks))
        return
    except ProtectedError as exc:
        # Tickets keep their customer: those people stay, detached from the billing system.
        kept = {getattr(obj, "customer_id", None) for obj in exc.protected_objects}
    gone = [pk for pk in pks if pk not in kept]
    if gone:
        User.objects.filter(pk__in=gone).delete()
        batch.count("deleted", len(gone))
    detach = [(pk, ext, org) for pk, ext, org in people if pk in kept]
    User.objects.filter(pk__in=[pk for pk, _e, _o in detach]).update(external_id="")
    Service.objects.filter(source=source, customer_id__in=[pk for pk, _e, _o in detach]).delete()
    for pk, ext, org in detach:
        if not org:
            batch.accounts.customer_ids.add(pk)
        batch.report.notices.append(RowError(
            kind=CUSTOMER, external_id=ext,
            message=_("Kept because they have tickets: detached from the billing system and "
                      "their services from it removed.")))
    batch.count("detached", len(detach))


def _delete_organizations(batch: _Batch, ids: list[str], source: str) -> None:
    orgs = dict(Organization.objects.filter(_by_external_ids(ids)).values_list("pk", "external_id"))
    batch.count("unchanged", len(ids) - len(orgs))
    if not orgs:
        return
    # Members with services of their own become accounts of their own.
    members = set(Service.objects.filter(customer__organization_id__in=orgs,
                                         organization__isnull=True)
                  .values_list("customer_id", flat=True))
    Organization.objects.filter(pk__in=list(orgs)).delete()
    batch.accounts.customer_ids |= {pk for pk in members if pk}
    batch.count("deleted", len(orgs))
