"""Which of a customer's services a message is about, read from its text.

A domain the text names, as a whole domain (any case, with or without `www.`; `example.com`
does not name `myexample.com`, `shop.example.com` or `example.com.tr`), else the customer's
only live service, else none. Pure: the caller hands in the services it read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import suppress
from typing import TypeVar

from destek.hosting.models import Service, ServiceStatus

# Live services first when two share a domain (a domain registration and its hosting
# account, a cancelled account and its successor); then the order the caller gave.
_STATUS_RANK: dict[str, int] = {ServiceStatus.ACTIVE: 0, ServiceStatus.SUSPENDED: 1,
                                ServiceStatus.PENDING: 2, ServiceStatus.CANCELLED: 3}

# A maximal run of dot-separated labels: a whole host name as written (in a sentence, a URL,
# an email address). Letters of any script: internationalised names are matched too.
_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)+")

S = TypeVar("S", bound=Service)


def normalize_domain(value: str) -> str:
    """A domain as it is compared: lower case, no scheme, path, port, trailing dot or
    leading `www.`, internationalised names in their ASCII (punycode) form."""
    host = value.strip().casefold()
    if "://" in host:
        host = host.split("://", 1)[1]
    host = re.split(r"[/:?#]", host, maxsplit=1)[0].rstrip(".")
    if host.startswith("www.") and "." in host[4:]:
        host = host[4:]
    if not host.isascii():
        # Not a valid name: kept as written, where it matches nothing valid.
        with suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    return host


def domains_named(text: str) -> list[str]:
    """The domains `text` names, normalized, in the order they appear (repeats kept)."""
    return [normalize_domain(found.group()) for found in _HOST.finditer(text)]


def match_service(*, text: str, services: Sequence[S]) -> S | None:
    """The service `text` is about: the one whose domain it names first, else the only one
    that is not cancelled, else None."""
    by_domain: dict[str, S] = {}
    ranked = sorted(enumerate(services), key=lambda pair: (
        _STATUS_RANK.get(pair[1].status, len(_STATUS_RANK)), pair[0]))
    for _position, service in ranked:
        if service.domain:
            by_domain.setdefault(normalize_domain(service.domain), service)
    if by_domain and text:
        for named in _HOST.finditer(text):  # stops at the first domain of theirs
            found = by_domain.get(normalize_domain(named.group()))
            if found is not None:
                return found
    live = [s for s in services if s.status != ServiceStatus.CANCELLED]
    return live[0] if len(live) == 1 else None
