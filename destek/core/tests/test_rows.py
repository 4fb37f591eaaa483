"""destek.core.rows loads the same objects the ORM does, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import transaction

from destek.accounts.factories import DepartmentFactory
from destek.accounts.models import Department
from destek.core import rows
from destek.tickets.factories import open_ticket
from destek.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def field_values(obj: object, model: type) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}


def test_a_row_loads_like_the_orm_with_dates_booleans_and_json(customer, department):
    ticket = open_ticket(customer=customer, department=department, subject="Rows")
    Ticket.objects.filter(pk=ticket.pk).update(cc_addresses=["a@example.com"])
    loaded = rows.first(Ticket, '"id" = %s', [ticket.pk])
    assert loaded is not None and not loaded._state.adding
    assert field_values(loaded, Ticket) == field_values(Ticket.objects.get(pk=ticket.pk), Ticket)
    assert loaded.cc_addresses == ["a@example.com"]
    assert loaded.created_at.tzinfo is not None
    loaded.subject = "Saved like any instance"
    loaded.save(update_fields=["subject"])
    assert Ticket.objects.get(pk=ticket.pk).subject == "Saved like any instance"


def test_where_and_lock(db):
    hidden = DepartmentFactory(is_public=False)
    assert rows.first(Department, '"id" = %s AND "is_public"', [hidden.pk]) is None
    with transaction.atomic():
        locked = rows.first(Department, '"id" = %s', [hidden.pk], lock=True)
    assert locked is not None and locked.is_public is False
    assert field_values(locked, Department) == field_values(hidden, Department)
