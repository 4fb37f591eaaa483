"""A minimal stand-in for destek.automation.actions (written in parallel by another part of
issue 19), installed by conftest.py only while that module does not exist: the engine's
tests need something that changes a ticket (priority, status, tags) through
ticket_update(rule=…) and something that changes nothing (a note, an email)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from destek.tickets.services.changes import ticket_update

APPLIED: list[tuple[str, int, dict[str, Any]]] = []  # (rule name, ticket id, doc)


def validate(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in (doc or {}).items() if value not in (None, "", [])}


def describe(doc: dict[str, Any]) -> list[str]:
    return [f"{key}: {value}" for key, value in sorted(doc.items())]


def apply(*, ticket: Any, doc: dict[str, Any], rule_name: str, happening: Any) -> list[str]:
    APPLIED.append((rule_name, ticket.pk, dict(doc)))
    done = []
    changes: dict[str, Any] = {}
    if doc.get("priority") is not None and doc["priority"] != ticket.priority:
        changes["priority"] = doc["priority"]
    if doc.get("status") and doc["status"] != ticket.status:
        changes["status"] = doc["status"]
    if doc.get("tags_add"):
        current = list(ticket.tags.values_list("name", flat=True))
        wanted = current + [t for t in doc["tags_add"] if t not in current]
        if wanted != current:
            changes["tags"] = wanted
    if changes:
        ticket_update(actor=None, ticket=ticket, rule=rule_name, **changes)
        done.extend(sorted(changes))
    if doc.get("note"):
        # The real module posts the note through the funnel and takes the ticket's new
        # updated_at: the engine must not read that as a field change it need not record.
        ticket.updated_at = timezone.now()
        done.append("note")
    if doc.get("email"):
        done.append("email")
    return done
