"""An SLA policy in one plain sentence, for its list and its form:

"Critical tickets (customer tier: Key account): first response within 1 h, resolution within
8 h, counted in the business hours of Office hours (Istanbul); the clock pauses while Pending
customer or On hold."

Reads only what the caller fetched (the calendar, departments and resellers prefetched)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from destek.configuration.durations import minutes_text
from destek.hosting.models import ServiceKind, Tier
from destek.sla.models import SlaPolicy
from destek.tickets.models import DONE_STATUSES, Channel, Priority, Status


def _either(items: Sequence[str]) -> str:
    """"a", "a or b", "a, b or c"."""
    items = [str(i) for i in items]
    if len(items) < 2:
        return "".join(items)
    return _("%(list)s or %(last)s") % {"list": ", ".join(items[:-1]), "last": items[-1]}


def _labels(values: Iterable[object], choices: Iterable[tuple[object, object]]) -> list[str]:
    names = {str(value): str(label) for value, label in choices}
    return [names.get(str(v), str(v)) for v in values]


def _who(policy: SlaPolicy) -> str:
    priorities = sorted((int(p) for p in policy.priorities or []), reverse=True)
    if priorities:
        return _("%(priorities)s tickets") % {
            "priorities": _either(_labels(priorities, Priority.choices))}
    return _("All tickets")


def _conditions(policy: SlaPolicy) -> list[str]:
    parts: list[tuple[str, list[str]]] = [
        (_("customer tier"), _labels(policy.tiers or [], Tier.choices)),
        (_("service kind"), _labels(policy.service_kinds or [], ServiceKind.choices)),
        (_("plan"), list(policy.plans or [])),
        (_("server"), list(policy.servers or [])),
        (_("channel"), _labels(policy.channels or [], Channel.choices)),
        (_("department"), [d.name for d in policy.departments.all()]),
        (_("reseller"), [o.name for o in policy.resellers.all()]),
    ]
    return [f"{label}: {_either(values)}" for label, values in parts if values]


def _targets(policy: SlaPolicy) -> list[str]:
    targets = [
        (_("first response within %(time)s"), policy.first_response_minutes),
        (_("an answer to every customer message within %(time)s"),
         policy.next_response_minutes),
        (_("resolution within %(time)s"), policy.resolution_minutes),
    ]
    return [text % {"time": minutes_text(minutes)} for text, minutes in targets if minutes]


def policy_summary(policy: SlaPolicy) -> str:
    who = _who(policy)
    conditions = _conditions(policy)
    if conditions:
        who = f"{who} ({'; '.join(conditions)})"
    targets = _targets(policy)
    if not targets:
        return _("%(who)s: no targets are measured.") % {"who": who}
    sentence = f"{who}: {', '.join(targets)}"
    calendar = policy.calendar
    if calendar is not None and not calendar.is_24x7:
        sentence += ", " + _("counted in the business hours of %(calendar)s") % {
            "calendar": calendar.name}
    else:
        sentence += ", " + _("counted around the clock")
    pauses = [s for s in policy.pause_statuses or [] if s not in DONE_STATUSES]
    if pauses:
        sentence += "; " + _("the clock pauses while %(statuses)s") % {
            "statuses": _either(_labels(pauses, Status.choices))}
    return sentence + "."

