"""Trigger services: administrators only, validated, audited, and every change moves the
version so each process recompiles its triggers."""

from __future__ import annotations

import pytest

from destek.accounts.factories import UserFactory
from destek.accounts.models import Role
from destek.audit.models import Action, AuditEvent
from destek.automation import engine
from destek.automation.defaults import URGENT_KEYWORDS, display_description, display_name
from destek.automation.models import Trigger, TriggerEvent
from destek.automation.services import (
    trigger_create,
    trigger_delete,
    trigger_reorder,
    trigger_update,
)
from destek.core.errors import ApplicationError, PermissionDenied
from destek.tickets.factories import open_ticket
from destek.tickets.models import Priority, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db: None):  # type: ignore[no-untyped-def]
    return UserFactory(role=Role.ADMIN, email="admin@destek.example")


def create(admin, **extra):  # type: ignore[no-untyped-def]
    values = {"name": "VIP domain → high", "events": [TriggerEvent.TICKET_CREATED],
              "conditions": {"sender_domains": ["bigcustomer.example"]},
              "actions": {"priority": Priority.HIGH}}
    values.update(extra)
    return trigger_create(actor=admin, **values)


def test_only_administrators(agent, customer, admin):
    for actor in (agent, customer, None):
        with pytest.raises(PermissionDenied):
            create(actor)
    rule = create(admin)
    with pytest.raises(PermissionDenied):
        trigger_update(actor=agent, trigger=rule, name="Mine now")
    with pytest.raises(PermissionDenied):
        trigger_delete(actor=agent, trigger=rule)
    with pytest.raises(PermissionDenied):
        trigger_reorder(actor=agent, trigger_ids=[rule.pk])


def test_create_validates_audits_and_moves_the_version(admin):
    before = engine.current_version()
    rule = create(admin, conditions={"sender_domains": ["@BigCustomer.example"],
                                     "words_any": []})
    assert rule.conditions == {"sender_domains": ["bigcustomer.example"]}
    assert rule.created_by == admin
    assert engine.current_version() > before
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED,
                                   target=f"automation.trigger:{rule.pk}")
    assert event.actor == admin and event.detail["change"] == "added"


@pytest.mark.parametrize(("values", "field"), [
    ({"name": "  "}, "name"),
    ({"events": []}, "events"),
    ({"events": ["ticket_exploded"]}, "events"),
    ({"conditions": {"regex": "(("}}, "regex"),
    ({"conditions": {"channels": ["fax"]}}, "channels"),
    ({"actions": {}}, "actions"),
])
def test_create_refuses_what_is_not_valid(admin, values, field):
    with pytest.raises(ApplicationError) as caught:
        create(admin, **values)
    assert caught.value.field == field
    assert not Trigger.objects.filter(default_key="").exists()


def test_update_saves_and_audits_only_what_changed(admin, customer, department):
    rule = create(admin)
    version = engine.current_version()
    trigger_update(actor=admin, trigger=rule, name="VIP domain → high", stop_here=True)
    event = AuditEvent.objects.filter(target=f"automation.trigger:{rule.pk}").latest("id")
    assert event.detail["fields"] == ["stop_here"]
    assert engine.current_version() > version
    version = engine.current_version()
    trigger_update(actor=admin, trigger=rule, stop_here=True)  # no change: nothing written
    assert engine.current_version() == version
    with pytest.raises(ApplicationError):
        trigger_update(actor=admin, trigger=rule, fire_count=99)


def test_a_change_takes_effect_on_the_next_ticket(admin, customer, department):
    rule = create(admin, conditions={})
    assert Ticket.objects.get(pk=open_ticket(customer=customer, department=department).pk) \
        .priority == Priority.HIGH
    trigger_update(actor=admin, trigger=rule, is_active=False)
    assert Ticket.objects.get(pk=open_ticket(customer=customer, department=department).pk) \
        .priority == Priority.NORMAL


def test_delete_and_reorder(admin):
    first, second, third = (create(admin, name=n) for n in ("A", "B", "C"))
    trigger_reorder(actor=admin, trigger_ids=[third.pk, first.pk])
    order = list(Trigger.objects.filter(default_key="").values_list("name", flat=True))
    assert order == ["C", "A", "B"]
    with pytest.raises(ApplicationError):
        trigger_reorder(actor=admin, trigger_ids=[third.pk, third.pk])
    second_id = second.pk
    trigger_delete(actor=admin, trigger=second)
    assert not Trigger.objects.filter(pk=second_id).exists()
    assert AuditEvent.objects.filter(target=f"automation.trigger:{second_id}",
                                     detail__change="deleted").exists()


def test_the_shipped_trigger_is_named_in_the_readers_language(shipped_triggers):
    from django.utils import translation

    shipped = Trigger.objects.get(default_key=URGENT_KEYWORDS)
    assert shipped.is_active and shipped.actions == {"priority": Priority.CRITICAL}
    assert {"sitem açılmıyor", "site down", "hacklendi", "DNS çalışmıyor", "500 error"} \
        <= set(shipped.conditions["words_any"])
    assert TriggerEvent.TICKET_CREATED in shipped.events
    with translation.override("tr"):
        assert display_name(shipped) == "Acil anahtar kelimeler → kritik"
        assert "kritik" in display_description(shipped)
    assert display_name(shipped) == "Urgent keywords → critical"
    shipped.name = "Our urgent words"
    with translation.override("tr"):
        assert display_name(shipped) == "Our urgent words"  # renamed: the admin's words
