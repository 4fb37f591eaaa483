"""A trigger's conditions: checked once when saved (`validate`), compiled once per rules
version (`compile`), then asked of each happening (`Condition.matches`).

All conditions are ANDed; a list matches when any of its items matches; an absent or empty
condition matches anything. What a condition needs of the ticket beyond its own row (tags,
the customer's tier, the service, the SLA calendar, the text) is read by `TicketFacts` only
when a condition asks, once per happening: 50 rules that all look at the channel cost no
query at all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import Department
from destek.automation.happenings import Happening
from destek.automation.text import first_words, fold, phrases_pattern, tokens
from destek.core.errors import ApplicationError
from destek.hosting.models import ServiceKind, Tier
from destek.hosting.selectors import tier_of
from destek.sla.calendar import to_us
from destek.sla.models import TicketSla
from destek.sla.policies import ALWAYS_OPEN, Config, load_config
from destek.tickets.models import AuthorKind, Channel, Message, Priority, Status, Ticket
from destek.tickets.services.changes import parse_tags

MAX_REGEX = 300
MAX_WORDS = 200
MAX_WORD_LENGTH = 100
MAX_ITEMS = 200
BUSINESS_HOURS = ("", "in", "out")

_LISTS = ("channels", "department_ids", "priorities", "statuses", "tags_any", "tags_none",
          "words_any", "sender_addresses", "sender_domains", "tiers", "plans", "service_kinds")
KNOWN = frozenset((*_LISTS, "regex", "business_hours", "rating_at_most"))


# --- validation ------------------------------------------------------------------------------

def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ApplicationError(_("This condition must be a list."), field=key)
    if len(value) > MAX_ITEMS:
        raise ApplicationError(_("At most %(count)d items.") % {"count": MAX_ITEMS}, field=key)
    return list(value)


def _choices(doc: dict[str, Any], key: str, allowed: list[Any], cast: type = str) -> list[Any]:
    clean = []
    for item in _list(doc, key):
        try:
            value = cast(item)
        except (TypeError, ValueError):
            value = None
        if value not in allowed:
            raise ApplicationError(_("“%(value)s” is not a valid choice.") % {"value": item},
                                   field=key)
        if value not in clean:
            clean.append(value)
    return clean


def _texts(doc: dict[str, Any], key: str, *, lower: bool = False) -> list[str]:
    clean: list[str] = []
    for item in _list(doc, key):
        text = " ".join(str(item).split())
        if lower:
            text = text.lower()
        if len(text) > MAX_WORD_LENGTH:
            raise ApplicationError(
                _("“%(value)s” is too long (at most %(count)d characters).")
                % {"value": text[:30] + "…", "count": MAX_WORD_LENGTH}, field=key)
        if text and text not in clean:
            clean.append(text)
    return clean


def _addresses(doc: dict[str, Any]) -> list[str]:
    addresses = _texts(doc, "sender_addresses", lower=True)
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ApplicationError(_("“%(value)s” is not a valid email address.")
                                   % {"value": address}, field="sender_addresses") from None
    return addresses


_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def _domains(doc: dict[str, Any]) -> list[str]:
    domains = [d.lstrip("@").rstrip(".") for d in _texts(doc, "sender_domains", lower=True)]
    for domain in domains:
        if not _DOMAIN.match(domain.encode("idna").decode() if not domain.isascii() else domain):
            raise ApplicationError(_("“%(value)s” is not a valid domain.") % {"value": domain},
                                   field="sender_domains")
    return domains


def _regex(doc: dict[str, Any]) -> str:
    pattern = str(doc.get("regex") or "").strip()
    if len(pattern) > MAX_REGEX:
        raise ApplicationError(_("The pattern is too long (at most %(count)d characters).")
                               % {"count": MAX_REGEX}, field="regex")
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ApplicationError(_("The pattern is not a valid regular expression: "
                                     "%(error)s") % {"error": exc}, field="regex") from None
    return pattern


def _departments(doc: dict[str, Any]) -> list[int]:
    ids: list[int] = []
    for item in _list(doc, "department_ids"):
        try:
            ids.append(int(item))
        except (TypeError, ValueError):
            raise ApplicationError(_("Choose a valid department."),
                                   field="department_ids") from None
    ids = sorted(set(ids))
    if ids and Department.objects.filter(pk__in=ids).count() != len(ids):
        raise ApplicationError(_("Choose a valid department."), field="department_ids")
    return ids


def _rating(doc: dict[str, Any]) -> int | None:
    value = doc.get("rating_at_most")
    if value in (None, ""):
        return None
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ApplicationError(_("A rating is from 1 to 5."), field="rating_at_most")
    return score


def validate(doc: dict[str, Any] | None) -> dict[str, Any]:
    """The conditions cleaned (only those set), or an ApplicationError naming the field."""
    doc = doc or {}
    if not isinstance(doc, dict):
        raise ApplicationError(_("The conditions are not valid."), field="conditions")
    unknown = sorted(set(doc) - KNOWN)
    if unknown:
        raise ApplicationError(_("Unknown condition: %(name)s") % {"name": unknown[0]},
                               field="conditions")
    business_hours = str(doc.get("business_hours") or "")
    if business_hours not in BUSINESS_HOURS:
        raise ApplicationError(_("Choose in or out of business hours."), field="business_hours")
    words = _texts(doc, "words_any")
    if len(words) > MAX_WORDS:
        raise ApplicationError(_("At most %(count)d items.") % {"count": MAX_WORDS},
                               field="words_any")
    clean: dict[str, Any] = {
        "channels": _choices(doc, "channels", list(Channel.values)),
        "department_ids": _departments(doc),
        "priorities": _choices(doc, "priorities", list(Priority.values), int),
        "statuses": _choices(doc, "statuses", list(Status.values)),
        "tags_any": parse_tags(_texts(doc, "tags_any")),
        "tags_none": parse_tags(_texts(doc, "tags_none")),
        "words_any": words,
        "regex": _regex(doc),
        "sender_addresses": _addresses(doc),
        "sender_domains": _domains(doc),
        "tiers": _choices(doc, "tiers", list(Tier.values)),
        "plans": _texts(doc, "plans"),
        "service_kinds": _choices(doc, "service_kinds", list(ServiceKind.values)),
        "business_hours": business_hours,
        "rating_at_most": _rating(doc),
    }
    return {key: value for key, value in clean.items() if value not in ("", [], None)}


# --- what conditions read of a ticket --------------------------------------------------------

_UNREAD = object()


class TicketFacts:
    """What conditions read beyond the happening itself, each read on first use and kept for
    every other rule of the same happening. `at`: the moment the rules are asked about
    (now; a dry run asks about the moment the ticket was written)."""

    def __init__(self, happening: Happening, *, at: datetime | None = None,
                 tier: str | None = None, policy_id: int | object | None = _UNREAD,
                 sla_config: Config | None = None) -> None:
        """`tier`, `policy_id` (the ticket's SLA policy), `sla_config`: what a caller read
        once for many tickets (the dry run)."""
        self.happening = happening
        self.ticket: Ticket | None = happening.ticket
        self.at = at or timezone.now()
        self._policy_id = policy_id
        self._sla_config = sla_config
        if tier is not None:
            self.__dict__["tier"] = tier

    @cached_property
    def message(self) -> Message | None:
        """The happening's message, else the ticket's latest customer message (one query,
        only when a condition reads the text or the sender)."""
        if self.happening.message is not None:
            return self.happening.message
        if self.ticket is None:
            return None
        return (Message.objects.filter(ticket=self.ticket, is_internal=False,
                                       author_kind=AuthorKind.CUSTOMER)
                .select_related("author").order_by("-created_at", "-id").first())

    @cached_property
    def text(self) -> str:
        """The folded subject and body: once per happening, whatever the number of rules."""
        subject = self.ticket.subject if self.ticket is not None else ""
        body = self.message.body_text if self.message is not None else ""
        return fold(f"{subject}\n{body}")

    @cached_property
    def tokens(self) -> frozenset[str]:
        return tokens(self.text)

    @cached_property
    def sender(self) -> str:
        """The message author's address (the customer's without a message)."""
        message = self.message
        if message is not None and message.author_id is not None:
            return (message.author.email if message.author else "").lower()
        if self.ticket is not None:
            return self.ticket.customer.email.lower()
        return str(self.happening.facts.get("email") or "").lower()

    @cached_property
    def tags(self) -> frozenset[str]:
        if self.ticket is None or self.ticket.pk is None:
            return frozenset()
        return frozenset(tag.name for tag in self.ticket.tags.all())  # prefetched by a dry run

    @cached_property
    def tier(self) -> str:
        return tier_of(self.ticket.customer) if self.ticket is not None else Tier.STANDARD

    @cached_property
    def service(self) -> tuple[str, str]:
        """The ticket's service as (kind, plan); empty without one."""
        if self.ticket is None or self.ticket.service_id is None:
            return "", ""
        service = self.ticket.service
        return (service.kind, service.plan) if service is not None else ("", "")

    @cached_property
    def in_business_hours(self) -> bool:
        """Whether `at` is within the ticket's SLA calendar, else the office calendar (the
        default: the one marked as office hours); always, when neither exists."""
        config = self._sla_config or load_config()
        clock = None
        if self.ticket is not None and self.ticket.pk is not None:
            policy_id = self._policy_id
            if policy_id is _UNREAD:
                policy_id = (TicketSla.objects.filter(ticket_id=self.ticket.pk)
                             .values_list("policy_id", flat=True).first())
            policy = config.policy_by_id(policy_id if isinstance(policy_id, int) else None)
            if policy is not None and policy.calendar_id:
                clock = config.clock(policy.calendar_id)
        clock = clock or config.office_clock or ALWAYS_OPEN
        return clock.is_open(to_us(self.at))


# --- compiled --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    channels: frozenset[str] = frozenset()
    department_ids: frozenset[int] = frozenset()
    priorities: frozenset[int] = frozenset()
    statuses: frozenset[str] = frozenset()
    tags_any: frozenset[str] = frozenset()
    tags_none: frozenset[str] = frozenset()
    words: re.Pattern[str] | None = None
    words_first: frozenset[str] | None = None  # None: no cheap test (see text.first_words)
    regex: re.Pattern[str] | None = None
    sender_addresses: frozenset[str] = frozenset()
    sender_domains: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()
    plans: frozenset[str] = frozenset()
    service_kinds: frozenset[str] = frozenset()
    business_hours: str = ""
    rating_at_most: int | None = None

    def matches(self, happening: Happening, facts: TicketFacts) -> bool:
        """The ticket's own fields first (free), then what costs a read, cheapest first."""
        ticket = happening.ticket
        if ticket is None:
            return False
        if self.channels and ticket.channel not in self.channels:
            return False
        if self.department_ids and ticket.department_id not in self.department_ids:
            return False
        if self.priorities and ticket.priority not in self.priorities:
            return False
        if self.statuses and ticket.status not in self.statuses:
            return False
        if self.rating_at_most is not None:
            score = happening.facts.get("score")
            if not isinstance(score, int) or score > self.rating_at_most:
                return False
        if self.words is not None:
            if self.words_first is not None and self.words_first.isdisjoint(facts.tokens):
                return False
            if not self.words.search(facts.text):
                return False
        if self.regex is not None and not self.regex.search(facts.text):
            return False
        if self.sender_addresses and facts.sender not in self.sender_addresses:
            return False
        if self.sender_domains and facts.sender.rpartition("@")[2] not in self.sender_domains:
            return False
        if (self.tags_any or self.tags_none) and not self._tags_match(facts.tags):
            return False
        if self.tiers and facts.tier not in self.tiers:
            return False
        if self.service_kinds and facts.service[0] not in self.service_kinds:
            return False
        if self.plans and facts.service[1] not in self.plans:
            return False
        if self.business_hours:
            return facts.in_business_hours == (self.business_hours == "in")
        return True

    def _tags_match(self, tags: frozenset[str]) -> bool:
        return (not self.tags_any or bool(self.tags_any & tags)) and not (self.tags_none & tags)


def compile(doc: dict[str, Any]) -> Condition:
    """A validated document as a Condition; patterns compiled here, once per version."""
    regex = str(doc.get("regex") or "")
    return Condition(
        channels=frozenset(str(c) for c in doc.get("channels") or []),
        department_ids=frozenset(int(d) for d in doc.get("department_ids") or []),
        priorities=frozenset(int(p) for p in doc.get("priorities") or []),
        statuses=frozenset(str(s) for s in doc.get("statuses") or []),
        tags_any=frozenset(str(t) for t in doc.get("tags_any") or []),
        tags_none=frozenset(str(t) for t in doc.get("tags_none") or []),
        words=phrases_pattern(doc.get("words_any") or []),
        words_first=first_words(doc.get("words_any") or []),
        # Searched in the folded text, case-insensitively: the pattern's Turkish letters are
        # folded too ("açıl" finds "AÇILMIYOR"); a broken stored pattern matches nothing.
        regex=_compile_regex(regex),
        sender_addresses=frozenset(str(a).lower() for a in doc.get("sender_addresses") or []),
        sender_domains=frozenset(str(d).lower() for d in doc.get("sender_domains") or []),
        tiers=frozenset(str(t) for t in doc.get("tiers") or []),
        plans=frozenset(str(p) for p in doc.get("plans") or []),
        service_kinds=frozenset(str(k) for k in doc.get("service_kinds") or []),
        business_hours=str(doc.get("business_hours") or ""),
        rating_at_most=doc.get("rating_at_most"),
    )


_NEVER = re.compile(r"(?!)")
# Letters only, never regex syntax: folding the whole pattern would turn "\S" into "\s".
_REGEX_LETTERS = str.maketrans({"ç": "c", "Ç": "c", "ş": "s", "Ş": "s", "ğ": "g", "Ğ": "g",
                                "ö": "o", "Ö": "o", "ü": "u", "Ü": "u", "ı": "i", "İ": "i"})


def _compile_regex(pattern: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern[:MAX_REGEX].translate(_REGEX_LETTERS), re.IGNORECASE)
    except re.error:
        return _NEVER
