"""Writes the generated rows: COPY on PostgreSQL (destek.demo.sql), bulk_create elsewhere.

A second way of writing tickets and messages, on purpose and only here: see destek.demo.sql
for why the funnel cannot be used at this volume. tickets/tests/test_house_rules.py names
this module as the one exemption from "only the funnel creates tickets and messages".
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models

from destek.demo import sql
from destek.demo.seeding.conversations import (
    EVENT_FIELDS,
    MESSAGE_FIELDS,
    TAG_FIELDS,
    TICKET_FIELDS,
    Batch,
)
from destek.tickets.models import Message, Ticket, TicketEvent


class Writer:
    def __init__(self) -> None:
        # One behaviour on both databases (the same rows); COPY only where it exists.
        self.copy = connection.vendor == "postgresql"
        self.skipped_fk_checks = False
        self.targets: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
            "tickets": (Ticket, TICKET_FIELDS),
            "messages": (Message, MESSAGE_FIELDS),
            "events": (TicketEvent, EVENT_FIELDS),
            "ticket_tags": (Ticket.tags.through, TAG_FIELDS),
        }

    def write(self, batch: Batch) -> None:
        for name in ("tickets", "messages", "events", "ticket_tags"):
            rows: list[tuple[Any, ...]] = getattr(batch, name)
            if rows:
                model, names = self.targets[name]
                if self.copy:
                    sql.copy_rows(model, names, rows)
                else:
                    self._bulk(model, names, rows)

    def _bulk(self, model: type[models.Model], names: tuple[str, ...],
              rows: list[tuple[Any, ...]]) -> None:
        attnames = [sql.concrete_field(model, n).attname for n in names]
        objects = []
        for row in rows:
            values = dict(zip(attnames, row, strict=True))
            if model is Ticket:
                values["cc_addresses"] = []  # COPY's "[]"
            objects.append(model(**values))
        model._default_manager.bulk_create(objects, batch_size=500)

    def reserve_ticket_ids(self) -> int:
        """The first free ticket id; on PostgreSQL the table stays locked until commit."""
        if self.copy:
            self.skipped_fk_checks = sql.lock_for_explicit_ids(Ticket)
        last = Ticket.objects.aggregate(m=models.Max("id"))["m"] or 0
        return int(last) + 1

    def finish(self) -> None:
        """Move the id sequences past the rows written with explicit ids."""
        if self.copy:
            sql.move_sequence_past_ids(Ticket)
