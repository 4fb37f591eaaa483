"""Reading a hosting CSV: one service per line, with its owner's columns, turned into the
records `hosting.sync` applies. Pure text handling, no queries.

The file is UTF-8, with or without a byte-order mark, separated by commas or semicolons
(a spreadsheet in a Turkish locale writes semicolons and decimal commas). The first line
names the columns, in any order and case; unknown columns are refused so a typo is not
silently ignored, except `attr_<name>` columns, which become the service's attributes."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.utils.translation import gettext as _

from destek.hosting.records import (
    CustomerRecord,
    OrganizationRecord,
    RowError,
    ServiceRecord,
)
from destek.hosting.validation import one_line

# (column, what it holds) — the documentation of the format, shown on the upload page too.
SERVICE_COLUMNS = ("external_id", "kind", "customer_external_id", "organization_external_id",
                   "plan", "status", "domain", "server", "datacenter", "ip_addresses",
                   "control_panel", "control_panel_url", "started_on", "renews_on",
                   "ended_on", "billing_cycle", "recurring_amount", "currency", "attributes")
OWNER_COLUMNS = ("customer_email", "customer_name", "customer_phone", "customer_language",
                 "organization_name", "organization_is_reseller", "reseller_external_id")
COLUMNS = SERVICE_COLUMNS + OWNER_COLUMNS
REQUIRED = ("external_id", "kind")
ATTRIBUTE_PREFIX = "attr_"
ALIASES = {"service_external_id": "external_id", "service_id": "external_id",
           "amount": "recurring_amount", "price": "recurring_amount",
           "product": "plan", "ip": "ip_addresses", "ips": "ip_addresses",
           "email": "customer_email", "name": "customer_name"}
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d")
_NO_DATE = {"", "0000-00-00", "00.00.0000", "-"}
_TRUE = {"1", "true", "yes", "evet", "e", "y", "x"}
_IP_SPLIT = re.compile(r"[\s,;|]+")


class CsvRefused(Exception):
    """The file as a whole cannot be read (not text, no header, missing columns)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (a BOM dropped); anything else is refused with a reason."""
    if b"\x00" in raw[:65536]:
        raise CsvRefused(_("This is not a text file: save it as CSV (UTF-8)."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRefused(_("The file is not UTF-8 text: in your spreadsheet, save it as "
                           "“CSV UTF-8”.")) from None


def sniff_delimiter(first_line: str) -> str:
    """`;` or `,` (or a tab), whichever separates the header's columns."""
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def header(names: list[str]) -> list[str]:
    out = []
    for name in names:
        key = "_".join(name.strip().lower().replace("-", "_").split())
        key = ALIASES.get(key, key)
        if key not in COLUMNS and not key.startswith(ATTRIBUTE_PREFIX):
            raise CsvRefused(_("Unknown column “%(name)s”. The columns are: %(columns)s, and "
                               "attr_<name> for anything else.")
                             % {"name": name.strip()[:60], "columns": ", ".join(COLUMNS)})
        if key in out:
            raise CsvRefused(_("The column “%(name)s” appears twice.") % {"name": key})
        out.append(key)
    missing = [c for c in REQUIRED if c not in out]
    if missing:
        raise CsvRefused(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    if "customer_external_id" not in out and "organization_external_id" not in out:
        raise CsvRefused(_("Give each service's owner: a customer_external_id or an "
                           "organization_external_id column."))
    return out


@dataclass
class Lines:
    """An open CSV: its columns, and its data lines as (line number, values) pairs."""

    columns: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]


def open_lines(stream: IO[str]) -> Lines:
    first = stream.readline()
    if not first.strip():
        raise CsvRefused(_("The file is empty: the first line must name the columns."))
    delimiter = sniff_delimiter(first)
    columns = header(next(csv.reader([first], delimiter=delimiter)))
    reader = csv.reader(stream, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            yield reader.line_num + 1, dict(zip(columns, values, strict=False))

    return Lines(columns=columns, rows=rows())


def open_text(text: str) -> Lines:
    return open_lines(io.StringIO(text, newline=""))


def parse_date(value: str) -> date | None:
    text = value.strip()
    if text in _NO_DATE:
        return None
    text = text.split("T")[0].split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_amount(value: str) -> Decimal:
    """`1234.5`, `1.234,50`, `1,234.50`, `12,5` (decimal comma), with or without spaces."""
    text = "".join(value.split()).replace("\u00a0", "")
    if not text:
        return Decimal("0")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None


@dataclass
class Chunk:
    """The records of some lines, and which line each record came from."""

    organizations: list[OrganizationRecord] = field(default_factory=list)
    customers: list[CustomerRecord] = field(default_factory=list)
    services: list[ServiceRecord] = field(default_factory=list)
    organization_lines: list[int] = field(default_factory=list)
    customer_lines: list[int] = field(default_factory=list)
    service_lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    lines: int = 0

    def line_of(self, error: RowError) -> RowError:
        """`error` (its row a position in one of the lists) with its CSV line instead."""
        where = {"organization": self.organization_lines, "customer": self.customer_lines,
                 "service": self.service_lines}.get(error.kind, [])
        row = where[error.row] if error.row is not None and error.row < len(where) else None
        return RowError(kind=error.kind, external_id=error.external_id, message=error.message,
                        row=row)


def records(rows: Iterable[tuple[int, dict[str, str]]]) -> Chunk:
    """The lines' services, and their owners (each once, as its first line gives it)."""
    chunk = Chunk()
    seen_customers: set[str] = set()
    seen_orgs: set[str] = set()
    for line, values in rows:
        chunk.lines += 1
        get = values.get
        ext = one_line(get("external_id"))
        try:
            service = _service(values)
        except ValueError as exc:
            chunk.errors.append(RowError(kind="service", external_id=ext, row=line,
                                         message=str(exc)))
            continue
        org_id = service.organization_external_id
        if org_id and one_line(get("organization_name")) and org_id not in seen_orgs:
            seen_orgs.add(org_id)
            chunk.organizations.append(OrganizationRecord(
                external_id=org_id, name=one_line(get("organization_name")),
                is_reseller=one_line(get("organization_is_reseller")).lower() in _TRUE,
                reseller_external_id=one_line(get("reseller_external_id"))))
            chunk.organization_lines.append(line)
        customer_id = service.customer_external_id
        if customer_id and one_line(get("customer_email")) and customer_id not in seen_customers:
            seen_customers.add(customer_id)
            chunk.customers.append(CustomerRecord(
                external_id=customer_id, email=one_line(get("customer_email")),
                full_name=one_line(get("customer_name")),
                phone=one_line(get("customer_phone")),
                language=one_line(get("customer_language")),
                organization_external_id=org_id))
            chunk.customer_lines.append(line)
        chunk.services.append(service)
        chunk.service_lines.append(line)
    return chunk


def _service(values: dict[str, str]) -> ServiceRecord:
    """The line's service; ValueError with a message when a cell cannot be read."""
    get = values.get
    dates: dict[str, date | None] = {}
    for name, label in (("started_on", _("The start date")),
                        ("renews_on", _("The renewal date")), ("ended_on", _("The end date"))):
        try:
            dates[name] = parse_date(get(name) or "")
        except ValueError:
            raise ValueError(_("%(field)s “%(value)s” is not a date (YYYY-MM-DD or DD.MM.YYYY).")
                             % {"field": label, "value": (get(name) or "")[:40]}) from None
    try:
        amount = parse_amount(get("recurring_amount") or "")
    except ValueError:
        raise ValueError(_("The amount “%(value)s” is not a number.")
                         % {"value": (get("recurring_amount") or "")[:40]}) from None
    attributes: dict[str, Any] = {}
    raw_attributes = (get("attributes") or "").strip()
    if raw_attributes:
        try:
            attributes = json.loads(raw_attributes)
        except ValueError:
            attributes = None  # type: ignore[assignment]
        if not isinstance(attributes, dict):
            raise ValueError(_("The attributes column must hold a JSON object, such as "
                               "{\"os\": \"Debian\"}."))
    for name, value in values.items():
        if name.startswith(ATTRIBUTE_PREFIX) and value.strip():
            attributes[name[len(ATTRIBUTE_PREFIX):]] = value.strip()
    ips = tuple(p for p in _IP_SPLIT.split(get("ip_addresses") or "") if p)
    return ServiceRecord(
        external_id=one_line(get("external_id")), kind=one_line(get("kind")),
        customer_external_id=one_line(get("customer_external_id")),
        organization_external_id=one_line(get("organization_external_id")),
        plan=get("plan") or "", status=one_line(get("status")) or "active",
        domain=get("domain") or "", server=get("server") or "",
        datacenter=get("datacenter") or "", ip_addresses=ips,
        control_panel=get("control_panel") or "",
        control_panel_url=get("control_panel_url") or "", **dates,
        billing_cycle=one_line(get("billing_cycle")) or "monthly", recurring_amount=amount,
        currency=one_line(get("currency")) or "USD", attributes=attributes)
