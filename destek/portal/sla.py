"""What the portal tells a customer about their next answer, in their language and time zone.

"You can expect an answer by …" while a response target runs; "We are waiting for your reply"
while the ticket waits for them (the clock is paused); nothing once it is resolved, on hold,
or already answered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from django.utils import formats

from destek.accounts.models import User
from destek.accounts.zones import user_zone
from destek.sla.selectors import sla_customer_expectation, sla_state_for_tickets
from destek.tickets.models import Status, Ticket


@dataclass(frozen=True)
class Expectation:
    waiting_for_customer: bool = False
    answer_by: datetime | None = None  # aware, in the customer's time zone
    answer_by_label: str = ""

    def __bool__(self) -> bool:
        return self.waiting_for_customer or self.answer_by is not None


NOTHING = Expectation()


def customer_timezone(user: User | None) -> tzinfo:
    """The reader's own zone when the account has one, else the site's (TIME_ZONE)."""
    return user_zone(user)


def _expect(due_at: datetime | None, zone: tzinfo) -> Expectation:
    if due_at is None:
        return NOTHING
    local = due_at.astimezone(zone)
    # Formats follow the active language (the request's, or the customer's in emails).
    return Expectation(answer_by=local,
                       answer_by_label=formats.date_format(local, "DATETIME_FORMAT"))


def ticket_expectation(*, ticket: Ticket, reader: User | None = None) -> Expectation:
    """For the conversation page, in the zone of `reader` (the signed-in customer, who may be
    a reseller's person reading an end customer's ticket; else the ticket's customer, as a
    guest is): one query, none while the ticket waits or is done."""
    if ticket.status == Status.PENDING:
        return Expectation(waiting_for_customer=True)
    if not ticket.is_open:
        return NOTHING
    zone = customer_timezone(reader if reader is not None else ticket.customer)
    return _expect(sla_customer_expectation(ticket=ticket), zone)


def list_expectations(*, customer: User, tickets: Iterable[Ticket]) -> dict[int, Expectation]:
    """For a page of the ticket list: one query for all of them."""
    tickets = list(tickets)
    running = [t.pk for t in tickets if t.is_open and t.status != Status.PENDING]
    states = sla_state_for_tickets(ticket_ids=running)
    zone = customer_timezone(customer)
    found: dict[int, Expectation] = {}
    for t in tickets:
        if t.status == Status.PENDING:
            found[t.pk] = Expectation(waiting_for_customer=True)
        else:
            state = states.get(t.pk)
            found[t.pk] = _expect(state.response_due_at if state else None, zone)
    return found
