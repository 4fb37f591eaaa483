"""Checking one record before it is applied: each check returns the value as it is stored or
raises `Invalid` with a message for the person who sent it (in the active language).

No queries here: whether an owner exists is the engine's question (`hosting.sync`)."""

from __future__ import annotations

import ipaddress
import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from destek.accounts.emails import normalized_email
from destek.hosting.models import BillingCycle, ControlPanel, ServiceKind, ServiceStatus
from destek.hosting.records import CustomerRecord, OrganizationRecord, ServiceRecord

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # Service.recurring_amount: 12 digits, 2 decimals
MAX_ATTRIBUTES_BYTES = 8000
LANGUAGES = ("en", "tr")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_url = URLValidator(schemes=["http", "https"])


class Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def one_line(value: object) -> str:
    """Whitespace folded, as names and ids are compared and stored."""
    return " ".join(str(value or "").split())


def clean_external_id(value: object) -> str:
    text = one_line(value)
    if not text:
        raise Invalid(_("The external id is missing."))
    if len(text) > 64:
        raise Invalid(_("The external id is longer than 64 characters."))
    return text


def clean_source(value: object) -> str:
    text = one_line(value)
    if not text or len(text) > 32:
        raise Invalid(_("The source must be 1 to 32 characters."))
    return text


def _text(value: object, *, limit: int, label: str) -> str:
    text = one_line(value)
    if len(text) > limit:
        raise Invalid(_("%(field)s is longer than %(limit)d characters.")
                      % {"field": label, "limit": limit})
    return text


def _choice(value: object, *, choices: list[str], label: str) -> str:
    text = one_line(value).lower()
    if text not in choices:
        raise Invalid(_("%(field)s “%(value)s” is not one of: %(choices)s.")
                      % {"field": label, "value": one_line(value)[:40],
                         "choices": ", ".join(c for c in choices if c)})
    return text


def clean_domain(value: object) -> str:
    """A host name, lower case (IDN kept readable: `örnek.com.tr`); `*.` allowed for
    certificates; empty when none is given."""
    text = one_line(value).lower().rstrip(".")
    if not text:
        return ""
    bare = text[2:] if text.startswith("*.") else text
    try:
        ascii_name = bare.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_name = ""
    labels = ascii_name.split(".")
    if (not ascii_name or len(ascii_name) > 253 or len(labels) < 2
            or not all(_LABEL.match(label) for label in labels)):
        raise Invalid(_("“%(value)s” is not a domain name.") % {"value": text[:80]})
    return text


def clean_email(value: object) -> str:
    address = normalized_email(str(value or ""))
    try:
        validate_email(address)
    except ValidationError:
        raise Invalid(_("“%(value)s” is not an email address.") % {"value": address[:80]}) \
            from None
    return address


def clean_amount(value: object) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise Invalid(_("The amount “%(value)s” is not a number.")
                      % {"value": str(value)[:40]}) from None
    if amount < 0:
        raise Invalid(_("The amount cannot be negative."))
    if amount > MAX_AMOUNT:
        raise Invalid(_("The amount is too large."))
    return amount.quantize(CENT)


def clean_date(value: object, *, label: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    raise Invalid(_("%(field)s is not a date.") % {"field": label})


def clean_ips(values: object) -> list[str]:
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for item in values or ():  # type: ignore[attr-defined]
        text = str(item).strip()
        if not text:
            continue
        try:
            out.append(str(ipaddress.ip_address(text)))
        except ValueError:
            raise Invalid(_("“%(value)s” is not an IP address.") % {"value": text[:60]}) \
                from None
    if len(out) > 64:
        raise Invalid(_("More than 64 IP addresses."))
    return out


def clean_attributes(value: object) -> dict[str, Any]:
    if not value:
        return {}
    if not isinstance(value, dict):
        raise Invalid(_("The other attributes must be a set of names and values."))
    try:
        size = len(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError):
        raise Invalid(_("The other attributes must be a set of names and values.")) from None
    if size > MAX_ATTRIBUTES_BYTES:
        raise Invalid(_("The other attributes are too long."))
    return value


def clean_organization(record: OrganizationRecord) -> dict[str, Any]:
    name = _text(record.name, limit=200, label=_("The name"))
    if not name:
        raise Invalid(_("The organization's name is missing."))
    reseller = one_line(record.reseller_external_id)
    return {"external_id": clean_external_id(record.external_id), "name": name,
            "is_reseller": bool(record.is_reseller), "reseller_external_id": reseller}


def clean_customer(record: CustomerRecord) -> dict[str, Any]:
    language = one_line(record.language).lower()[:2]
    if language and language not in LANGUAGES:
        raise Invalid(_("The language must be one of: %(choices)s.")
                      % {"choices": ", ".join(LANGUAGES)})
    return {"external_id": clean_external_id(record.external_id),
            "email": clean_email(record.email),
            "full_name": _text(record.full_name, limit=200, label=_("The name")),
            "phone": _text(record.phone, limit=40, label=_("The phone number")),
            "language": language,
            "organization_external_id": one_line(record.organization_external_id)}


def clean_service(record: ServiceRecord) -> dict[str, Any]:
    """The service's stored fields, owners still as external ids."""
    customer = one_line(record.customer_external_id)
    organization = one_line(record.organization_external_id)
    if not customer and not organization:
        raise Invalid(_("The service has no owner: give a customer or an organization."))
    url = one_line(record.control_panel_url)
    if url:
        try:
            _url(url)
        except ValidationError:
            raise Invalid(_("The control panel link is not a web address.")) from None
        if len(url) > 300:
            raise Invalid(_("The control panel link is longer than 300 characters."))
    currency = one_line(record.currency).upper()
    if not _CURRENCY.match(currency):
        raise Invalid(_("The currency must be three letters, such as USD, EUR or TRY."))
    return {
        "external_id": clean_external_id(record.external_id),
        "customer_external_id": customer,
        "organization_external_id": organization,
        "kind": _choice(record.kind, choices=list(ServiceKind.values), label=_("The kind")),
        "status": _choice(record.status or ServiceStatus.ACTIVE,
                          choices=list(ServiceStatus.values), label=_("The status")),
        "billing_cycle": _choice(record.billing_cycle or BillingCycle.MONTHLY,
                                 choices=list(BillingCycle.values), label=_("The billing cycle")),
        "control_panel": _choice(record.control_panel, choices=list(ControlPanel.values),
                                 label=_("The control panel")),
        "plan": _text(record.plan, limit=120, label=_("The plan")),
        "domain": clean_domain(record.domain),
        "server": _text(record.server, limit=120, label=_("The server")),
        "datacenter": _text(record.datacenter, limit=120, label=_("The datacenter")),
        "ip_addresses": clean_ips(record.ip_addresses),
        "control_panel_url": url,
        "started_on": clean_date(record.started_on, label=_("The start date")),
        "renews_on": clean_date(record.renews_on, label=_("The renewal date")),
        "ended_on": clean_date(record.ended_on, label=_("The end date")),
        "recurring_amount": clean_amount(record.recurring_amount),
        "currency": currency,
        "attributes": clean_attributes(record.attributes),
    }
