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


def test_insert_writes_what_the_orm_would(customer, department):
    from django.utils import timezone

    from destek.tickets.models import Message

    now = timezone.now()
    made = Ticket(subject="Plain insert", department=department, customer=customer,
                  cc_addresses=["cc@example.com"], created_at=now, updated_at=now)
    rows.insert(made)
    assert made.pk is not None and not made._state.adding
    stored = Ticket.objects.get(pk=made.pk)
    assert field_values(stored, Ticket) == field_values(made, Ticket)
    assert stored.cc_addresses == ["cc@example.com"] and stored.created_at == now

    note = Message(ticket=made, author=customer, body_text="hi", body_html="<p>hi</p>")
    rows.insert(note)
    assert Message.objects.get(pk=note.pk).body_text == "hi"
    assert note.created_at is not None  # its default


def test_insert_leaves_database_defaults_to_the_orm(customer, department):
    from django.db.models.expressions import DatabaseDefault

    from destek.tickets.models import Message

    ticket = open_ticket(customer=customer, department=department)
    message = Message(ticket=ticket, author=customer, body_text="x", body_html="x")
    field = Message._meta.get_field("is_auto_reply")
    message.is_auto_reply = DatabaseDefault(  # type: ignore[assignment]
        field._db_default_expression, output_field=field)
    rows.insert(message)
    assert Message.objects.get(pk=message.pk).is_auto_reply is False
