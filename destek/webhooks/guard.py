"""SSRF protection: a webhook may only reach the public internet.

`check_url` is applied when an endpoint is saved and `resolve` again before every delivery
(a name's addresses may change after the check). The delivery then connects to one of the
addresses that passed (`Target.addresses`), with the URL's host name in the Host header and
as the TLS server name: a DNS answer changed between the check and the connection (DNS
rebinding) cannot send the request elsewhere.

Refused: every address that is private, loopback, link-local, multicast, reserved,
unspecified or otherwise not globally routable, IPv4 and IPv6 alike (an IPv4-mapped IPv6
address is judged as the IPv4 address it carries). DESTEK_WEBHOOK_ALLOWED_NETWORKS lets
some through: comma-separated networks (10.0.0.0/8, 127.0.0.1, fd00::/8) or host names
(hooks.internal) that are allowed whatever they resolve to.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from destek.core.errors import ApplicationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (lower case), for the Host header and TLS
    port: int
    addresses: tuple[str, ...]  # the resolved addresses that passed, to connect to


def _allowed() -> tuple[list[IPNetwork], set[str]]:
    networks: list[IPNetwork] = []
    hosts: set[str] = set()
    for item in getattr(settings, "DESTEK_WEBHOOK_ALLOWED_NETWORKS", []) or []:
        item = str(item).strip().lower()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            hosts.add(item.rstrip("."))
    return networks, hosts


def _plain(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_forbidden(address: IPAddress) -> bool:
    address = _plain(address)
    return (address.is_private or address.is_loopback or address.is_link_local
            or address.is_multicast or address.is_reserved or address.is_unspecified
            or not address.is_global)


def _refused(host: str) -> ApplicationError:
    return ApplicationError(
        _("%(host)s is a private, loopback or link-local address: webhooks may only call "
          "public addresses.") % {"host": host}, field="url")


def _resolve_host(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ApplicationError(_("The host name %(host)s could not be resolved.")
                               % {"host": host}, field="url") from None
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def resolve(url: str) -> Target:
    """The URL's target with every address it resolves to checked; raises ApplicationError
    (field "url") when the URL is not http(s) or any address is refused."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ApplicationError(_("A webhook URL must start with https:// or http://."),
                               field="url")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or parts.username or parts.password:
        raise ApplicationError(_("Enter a URL with a host name and no user name or password."),
                               field="url")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise ApplicationError(_("The URL's port is not valid."), field="url") from None
    networks, hosts = _allowed()
    addresses = _resolve_host(host, port)
    if not addresses:
        raise _refused(host)
    if host not in hosts:
        for text in addresses:
            address = ipaddress.ip_address(text)
            if is_forbidden(address) and not any(
                    _plain(address) in network or address in network for network in networks):
                raise _refused(host)
    return Target(scheme=scheme, host=host, port=port, addresses=tuple(addresses))


def check_url(url: str) -> None:
    """Raise ApplicationError (field "url") unless `url` may be called (see the module)."""
    resolve(url)
