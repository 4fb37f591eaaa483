"""Whether an inbound email really comes from the address in its From: the verdict of the
receiving host, read from its Authentication-Results header (RFC 8601) and, for mail that a
trusted forwarder passed on, from the ARC set that forwarder sealed (RFC 8617).

Anyone can write an Authentication-Results header, so only those whose authserv-id is listed in
DESTEK_MAIL_TRUSTED_AUTHSERV_IDS count (the receiving host removes incoming ones bearing its
own id, as RFC 8601 section 5 requires of it). The sender is verified when DMARC passed for the
From domain, or, without a DMARC verdict, when SPF or DKIM passed for a domain aligned with it
(the same organisational domain, from the Public Suffix List). Everything else, including no
trusted header at all, leaves the sender unverified: the message is still filed, with a badge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import authres
from django.conf import settings
from publicsuffixlist import PublicSuffixList

MAX_HEADERS = 50
_ARC_INSTANCE = re.compile(r"^\s*i\s*=\s*(\d{1,2})\s*;", re.ASCII)
_FOLD = re.compile(r"\r?\n[ \t]*")


@dataclass(frozen=True)
class Result:
    """One method's result: `dkim=pass header.d=example.com` → ("dkim", "pass", {...})."""

    method: str
    result: str
    properties: dict[str, str]


@dataclass(frozen=True)
class Header:
    authserv_id: str
    results: tuple[Result, ...]
    instance: int = 0  # ARC: the set's instance number


def trusted_authserv_ids() -> frozenset[str]:
    """The receiving hosts whose verdicts count (lower-cased), read at call time."""
    configured = getattr(settings, "DESTEK_MAIL_TRUSTED_AUTHSERV_IDS", ()) or ()
    if isinstance(configured, str):
        configured = configured.split(",")
    return frozenset(str(i).strip().lower() for i in configured if str(i).strip())


def parse_header(value: str) -> Header | None:
    """An Authentication-Results value, or None when it does not follow RFC 8601."""
    text = _FOLD.sub(" ", value).strip()
    try:
        parsed = authres.AuthenticationResultsHeader.parse_value(text)
    except Exception:  # authres raises its own and some stdlib errors on malformed input
        return None
    results = tuple(
        Result(method=str(r.method).lower(), result=str(r.result).lower(),
               properties={f"{p.type}.{p.name}".lower(): str(p.value or "")
                           for p in getattr(r, "properties", [])})
        for r in parsed.results)
    return Header(authserv_id=str(parsed.authserv_id or "").lower(), results=results)


def parse_arc_header(value: str) -> Header | None:
    """An ARC-Authentication-Results value: `i=1; ` then an Authentication-Results value."""
    match = _ARC_INSTANCE.match(value)
    if match is None:
        return None
    header = parse_header(value[match.end():])
    if header is None:
        return None
    return Header(authserv_id=header.authserv_id, results=header.results,
                  instance=int(match.group(1)))


def _tags(value: str) -> dict[str, str]:
    """`i=1; a=rsa-sha256; d=example.com` → {"i": "1", "a": …, "d": "example.com"}."""
    tags: dict[str, str] = {}
    for part in _FOLD.sub(" ", value).split(";"):
        name, sep, tag_value = part.partition("=")
        if sep:
            tags.setdefault(name.strip().lower(), "".join(tag_value.split()))
    return tags


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()


def domain_of(address: str) -> str:
    """The domain of an address or of a bare domain, lower-cased, without a final dot."""
    address = address.strip().strip("<>").lower()
    return address.rpartition("@")[2].strip().rstrip(".")


def organizational_domain(domain: str) -> str:
    """`mail.example.co.uk` → `example.co.uk`; "" for a public suffix or an empty name."""
    if not domain or "." not in domain:
        return ""
    return str(_suffixes().privatesuffix(domain) or "")


def aligned(domain: str, from_domain: str) -> bool:
    """DMARC's relaxed alignment: both names under the same organisational domain."""
    if not domain or not from_domain:
        return False
    if domain == from_domain:
        return True
    organization = organizational_domain(from_domain)
    return bool(organization) and organizational_domain(domain) == organization


def _verdict(results: Iterable[Result], from_domain: str) -> bool | None:
    """True (verified), False (DMARC failed for the From domain), None (no verdict)."""
    results = list(results)
    dmarc = [r.result for r in results if r.method == "dmarc"
             and domain_of(r.properties.get("header.from", "")) == from_domain]
    if any(result not in ("pass", "none", "temperror", "permerror") for result in dmarc):
        return False  # fail, quarantine, reject, policy…: the receiving host said no
    if "pass" in dmarc:
        return True
    for r in results:
        if r.result != "pass":
            continue
        if r.method == "dkim":
            signer = r.properties.get("header.d") or domain_of(r.properties.get("header.i", ""))
            if aligned(domain_of(signer), from_domain):
                return True
        elif r.method == "spf":
            envelope = r.properties.get("smtp.mailfrom") or r.properties.get("smtp.mail", "")
            if aligned(domain_of(envelope), from_domain):
                return True
    return None


def sender_verified(*, from_address: str, authentication_results: Sequence[str],
                    arc_authentication_results: Sequence[str] = (),
                    arc_seals: Sequence[str] = (),
                    trusted: frozenset[str] | None = None) -> bool:
    """Whether a trusted receiving host authenticated the From address (see the module)."""
    trusted = trusted_authserv_ids() if trusted is None else trusted
    from_domain = domain_of(from_address)
    if not trusted or not from_domain or "@" not in from_address:
        return False
    own = [h for h in (parse_header(v) for v in authentication_results[:MAX_HEADERS])
           if h is not None and h.authserv_id in trusted]
    own_results = [r for h in own for r in h.results]
    if _verdict(own_results, from_domain):
        return True
    # Forwarding breaks SPF and often DKIM, so DMARC fails at our host: a validated ARC chain
    # (arc=pass) carries the verdict of a trusted host that saw the mail before.
    if not any(r.method == "arc" and r.result == "pass" for r in own_results):
        return False
    return _arc_verdict(from_domain=from_domain, trusted=trusted,
                        arc_authentication_results=arc_authentication_results,
                        arc_seals=arc_seals)


def _arc_verdict(*, from_domain: str, trusted: frozenset[str],
                 arc_authentication_results: Sequence[str], arc_seals: Sequence[str]) -> bool:
    """The chain validated (arc=pass from a trusted host): the verdict a trusted forwarder
    recorded before it changed the message. A set counts only when its authserv-id is trusted
    and its seal was made by that host's own organisation (the chain's signatures prove who
    sealed a set, not the authserv-id it claims)."""
    sealers: dict[int, str] = {}
    for value in arc_seals[:MAX_HEADERS]:
        tags = _tags(value)
        if tags.get("i", "").isdigit():
            sealers.setdefault(int(tags["i"]), tags.get("d", "").lower())
    for value in arc_authentication_results[:MAX_HEADERS]:
        header = parse_arc_header(value)
        if header is None or header.authserv_id not in trusted:
            continue
        sealer = sealers.get(header.instance, "")
        if not aligned(sealer, header.authserv_id):
            continue
        if _verdict(header.results, from_domain):
            return True
    return False
