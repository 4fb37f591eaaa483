"""Uptime Kuma's webhook notification (JSON body): `heartbeat` (monitorID, status 0 down /
1 up / 2 pending / 3 maintenance, msg, time), `monitor` (id, name, url, tags) and `msg`, the
text Uptime Kuma writes. Its "test" notification has neither heartbeat nor monitor: nothing
to do.

The component: a monitor tag named `destek` or `component` (its value a Component's slug),
or a tag whose name is a slug, or the monitor's name as a slug; else the monitor's hostname
or URL's host among a Component's servers. The alert's key is the monitor's id."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.utils.text import slugify

from destek.status.hooks.alerts import Alert, PayloadError, text_of

DOWN, UP, PENDING, MAINTENANCE = 0, 1, 2, 3
SLUG_TAGS = ("destek", "component")


def _tags(monitor: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(values of the component tags, other tag names)."""
    values, names = [], []
    for tag in monitor.get("tags") or []:
        if isinstance(tag, str):
            names.append(tag.strip())
        elif isinstance(tag, dict):
            name, value = text_of(tag.get("name")), text_of(tag.get("value"))
            if name.lower() in SLUG_TAGS and value:
                values.append(value)
            elif name:
                names.append(name)
    return values, names


def parse(payload: Any) -> list[Alert]:
    if not isinstance(payload, dict):
        raise PayloadError("expected a JSON object")
    heartbeat, monitor = payload.get("heartbeat"), payload.get("monitor")
    if heartbeat is None and monitor is None:
        return []  # the "Test" button: nothing happened
    if not isinstance(heartbeat, dict) or not isinstance(monitor, dict):
        raise PayloadError("heartbeat and monitor must be objects")
    status = heartbeat.get("status")
    if status not in (DOWN, UP, PENDING, MAINTENANCE) or isinstance(status, bool):
        raise PayloadError(f"unknown heartbeat status {status!r}")
    if status in (PENDING, MAINTENANCE):
        return []  # neither an outage yet nor a recovery
    monitor_id = text_of(monitor.get("id") or heartbeat.get("monitorID"))
    name = text_of(monitor.get("name"), limit=150)
    if not monitor_id and not name:
        raise PayloadError("the monitor has neither an id nor a name")
    tag_values, tag_names = _tags(monitor)
    slugs = [*tag_values, *tag_names]
    if name:
        slugs += [name, slugify(name)]
    servers = []
    hostname = text_of(monitor.get("hostname"))
    if hostname:
        servers.append(hostname)
    url = text_of(monitor.get("url"))
    if url and urlsplit(url).hostname:
        servers.append(urlsplit(url).hostname or "")
    return [Alert(
        key=f"monitor:{monitor_id}" if monitor_id else f"name:{name}",
        firing=status == DOWN,
        name=name or monitor_id,
        text=text_of(heartbeat.get("msg")) or text_of(payload.get("msg")),
        severity="critical",
        slugs=tuple(s for s in slugs if s),
        servers=tuple(servers),
        extra={"time": text_of(heartbeat.get("time"))},
    )]
