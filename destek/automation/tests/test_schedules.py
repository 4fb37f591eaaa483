"""Time-based automations: each run reads only the tickets that crossed the threshold since
the previous one, fires once per ticket and state, and is managed by administrators."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role
from destek.audit.models import Action, AuditEvent
from destek.automation import schedules, tasks
from destek.automation.models import (
    Automation,
    AutomationApplied,
    AutomationField,
    AutomationSettings,
)
from destek.automation.schedule_services import (
    AutomationInput,
    automation_create,
    automation_delete,
    automation_preview,
    automation_run_now,
    automation_update,
)
from destek.core.errors import ApplicationError, PermissionDenied
from destek.notifications.models import OutboundEmail
from destek.tickets.factories import open_ticket
from destek.tickets.models import EventKind, Message, Priority, Status, Ticket, TicketEvent
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shipped_automations(db: None) -> None:
    """The shipped automations as the data migration writes them (a transactional test
    before this one may have emptied the tables)."""
    from django.apps import apps

    module = importlib.import_module("destek.automation.migrations.0002_shipped_automations")
    module.create(apps, None)

DAY = timedelta(days=1)


@pytest.fixture
def admin(db: None):  # type: ignore[no-untyped-def]
    return AgentFactory(full_name="Ayşe Yönetici", role=Role.ADMIN)


def _shipped(key: str) -> Automation:
    return Automation.objects.get(default_key=key)


def _resolved(customer, department, agent, *, at=None) -> Ticket:  # type: ignore[no-untyped-def]
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    if at is not None:  # resolved in the past
        Ticket.objects.filter(pk=ticket.pk).update(resolved_at=at, updated_at=at)
    return ticket


def _tagging(status: str = Status.RESOLVED, field: str = AutomationField.RESOLVED_AT,
             hours: int = 7 * 24) -> Automation:
    """An automation that leaves the ticket in its status (so only the once-only row keeps
    it from firing again)."""
    return Automation.objects.create(name="Tag old ones", status=status, field=field,
                                     hours=hours, actions={"tags_add": ["old"]})


def test_the_shipped_automations(admin):
    close = _shipped("close_resolved")
    assert close.is_active and (close.status, close.field, close.hours) == (
        Status.RESOLVED, AutomationField.RESOLVED_AT, 168)
    assert close.actions["status"] == Status.CLOSED
    remind, escalate = _shipped("remind_pending"), _shipped("escalate_untouched")
    assert not remind.is_active and not escalate.is_active
    assert remind.actions["email"]["subject"]["tr"] and remind.actions["email"]["body"]["en"]
    assert escalate.actions["priority"] == Priority.HIGH and escalate.actions["note"]
    with translation.override("tr"):
        assert schedules.automation_label(close) == "7 gündür çözülmüş talepleri kapat"
    assert schedules.automation_label(close) == "Close tickets resolved for 7 days"
    # Each is a valid automation for the services (an admin can save it as it is).
    for automation in (close, remind, escalate):
        automation_update(actor=admin, automation=automation, data=_input(automation))


def _input(automation: Automation, **changes) -> AutomationInput:  # type: ignore[no-untyped-def]
    values = {"name": automation.name, "status": automation.status,
              "field": automation.field, "hours": automation.hours,
              "actions": automation.actions, "conditions": automation.conditions,
              "description": automation.description, "is_active": automation.is_active,
              "position": automation.position, **changes}
    return AutomationInput(**values)


def test_resolved_tickets_close_after_7_days_once(customer, department, agent):
    ticket = _resolved(customer, department, agent)
    close = _shipped("close_resolved")
    now = timezone.now()
    assert schedules.run_automation(close, now=now + 6 * DAY).fired == 0
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    result = schedules.run_automation(close, now=now + 7 * DAY + timedelta(minutes=5))
    assert (result.scanned, result.fired) == (1, 1)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == Status.CLOSED
    # Run again, also from scratch (a cleared cursor): still one close in the history.
    schedules.run_automation(close, now=now + 8 * DAY)
    Automation.objects.filter(pk=close.pk).update(cursor=None)
    close.refresh_from_db()
    schedules.run_automation(close, now=now + 9 * DAY)
    rule_events = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.AUTOMATION)
    assert [e.after for e in rule_events] == ["Close tickets resolved for 7 days"]
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS,
                                      after=Status.CLOSED).count() == 1
    close.refresh_from_db()
    assert close.fire_count == 1 and close.last_run_count == 0 and close.last_run_at


def test_a_ticket_still_in_its_status_fires_once(customer, department, agent):
    """The once-only row, not the status, keeps a firing from happening twice."""
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, status=Status.PENDING)
    remind = _shipped("remind_pending")
    now = timezone.now()
    for later in (3 * DAY + timedelta(minutes=1), 4 * DAY):
        Automation.objects.filter(pk=remind.pk).update(cursor=None)
        remind.refresh_from_db()
        schedules.run_automation(remind, now=now + later)
    assert OutboundEmail.objects.filter(kind="rule_email").count() == 1
    assert AutomationApplied.objects.filter(automation=remind, ticket=ticket).count() == 1
    # Touched again, it waits 3 more days and is reminded again (a new anchor).
    ticket_update(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk), priority=Priority.HIGH)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=now + 4 * DAY + timedelta(hours=1))
    schedules.run_automation(remind, now=now + 8 * DAY)
    assert OutboundEmail.objects.filter(kind="rule_email").count() == 2


def test_the_cursor_makes_the_next_run_read_only_new_crossings(customer, department, agent):
    now = timezone.now()
    first = _resolved(customer, department, agent, at=now - 8 * DAY)
    second = _resolved(customer, department, agent, at=now - 6 * DAY)
    automation = _tagging()
    result = schedules.run_automation(automation, now=now)
    assert (result.scanned, result.fired) == (1, 1)
    automation.refresh_from_db()
    assert automation.cursor == now - 7 * DAY
    result = schedules.run_automation(automation, now=now + 2 * DAY)
    assert (result.scanned, result.fired) == (1, 1)  # only the second: the first is behind
    assert set(Ticket.objects.filter(tags__name="old").values_list("pk", flat=True)) == {
        first.pk, second.pk}


def test_a_run_with_nothing_new_costs_the_same_whatever_lies_behind_it(customer, department,
                                                                      agent):
    now = timezone.now()
    _resolved(customer, department, agent, at=now - 10 * DAY)
    automation = _tagging()
    schedules.run_automation(automation, now=now)

    def queries_of_a_quiet_run() -> int:
        with CaptureQueriesContext(connection) as captured:
            schedules.run_automation(automation, now=now + timedelta(minutes=5))
        return len(captured)

    few = queries_of_a_quiet_run()
    for _ in range(12):  # many more old resolved tickets, all behind the cursor
        _resolved(customer, department, agent, at=now - 30 * DAY)
    assert queries_of_a_quiet_run() == few <= 2


def test_batches_walk_the_range_and_a_capped_run_goes_on_next_time(customer, department, agent,
                                                                   monkeypatch):
    monkeypatch.setattr(schedules, "BATCH", 2)
    now = timezone.now()
    tickets = [_resolved(customer, department, agent, at=now - (10 + i) * DAY) for i in range(5)]
    automation = _tagging()
    result = schedules.run_automation(automation, now=now, max_batches=2)
    assert (result.fired, result.finished) == (4, False)
    automation.refresh_from_db()
    assert automation.cursor is not None and automation.cursor < now - 7 * DAY
    result = schedules.run_automation(automation, now=now)
    assert result.fired == 1 and result.finished
    assert Ticket.objects.filter(tags__name="old").count() == len(tickets)


def test_conditions_narrow_the_candidates(customer, department, other_department, agent):
    now = timezone.now()
    mine = _resolved(customer, department, agent, at=now - 8 * DAY)
    _resolved(customer, other_department, agent, at=now - 8 * DAY)
    automation = _tagging()
    automation.conditions = schedules.validate_conditions({"department_ids": [department.pk]})
    automation.save()
    assert schedules.run_automation(automation, now=now).fired == 1
    assert list(Ticket.objects.filter(tags__name="old").values_list("pk", flat=True)) == [
        mine.pk]
    with pytest.raises(ApplicationError) as raised:
        schedules.validate_conditions({"words_any": ["down"]})
    assert raised.value.field == "words_any"


def test_the_escalation_raises_the_priority_with_a_note(customer, department):
    ticket = open_ticket(customer=customer, department=department)
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.OPEN)
    escalate = _shipped("escalate_untouched")
    schedules.run_automation(escalate, now=timezone.now() + 25 * timedelta(hours=1))
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.priority == Priority.HIGH
    note = Message.objects.filter(ticket=ticket, is_internal=True).get()
    assert note.author_id is None and "24" in note.body_text


def test_the_beat_task_runs_the_active_automations(customer, department, agent):
    _resolved(customer, department, agent, at=timezone.now() - 8 * DAY)
    assert settings.CELERY_BEAT_SCHEDULE["automation-run"]["schedule"] == 300.0
    assert tasks.run_automations() == 1  # the shipped close; the inactive ones do not run
    assert Ticket.objects.filter(status=Status.CLOSED).count() == 1


# --- administrators' services -------------------------------------------------------------------

def test_admins_create_change_and_delete_audited_and_versioned(admin, agent):
    version = AutomationSettings.objects.get(pk=1).version
    data = AutomationInput(name="Close pending after 10 days", status=Status.PENDING,
                           field=AutomationField.UPDATED_AT, hours=240,
                           actions={"status": Status.CLOSED})
    automation = automation_create(actor=admin, data=data)
    pk = automation.pk
    assert automation.actions["status"] == Status.CLOSED and automation.created_by == admin
    automation.cursor = timezone.now()
    automation.save()
    assert automation_update(actor=admin, automation=automation,
                             data=_input(automation, hours=48)) == ["hours"]
    automation.refresh_from_db()
    assert automation.cursor is None  # another threshold: read everything below it again
    automation_delete(actor=admin, automation=automation)
    assert not Automation.objects.filter(name=data.name).exists()
    changes = list(AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED,
                                             target=f"automation:{pk}")
                   .order_by("at", "id").values_list("detail__change", flat=True))
    assert changes == ["created", "updated", "deleted"]
    assert AutomationSettings.objects.get(pk=1).version == version + 3
    with pytest.raises(PermissionDenied):
        automation_create(actor=agent, data=data)


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": " "}, "name"),
    ({"status": "gone"}, "status"),
    ({"hours": 0}, "hours"),
    ({"field": AutomationField.RESOLVED_AT, "status": Status.PENDING}, "field"),
    ({"actions": {}}, "actions"),
    ({"actions": {"status": Status.PENDING}}, "actions"),
])
def test_invalid_automations_are_refused(admin, changes, field):
    values = {"name": "x", "status": Status.PENDING, "field": AutomationField.UPDATED_AT,
              "hours": 24, "actions": {"priority": Priority.HIGH}, **changes}
    with pytest.raises(ApplicationError) as raised:
        automation_create(actor=admin, data=AutomationInput(**values))
    assert raised.value.field == field


def test_the_dry_run_lists_what_a_run_would_touch_and_writes_nothing(admin, customer,
                                                                      department, agent):
    now = timezone.now()
    old = _resolved(customer, department, agent, at=now - 8 * DAY)
    _resolved(customer, department, agent, at=now - 2 * DAY)
    close = _shipped("close_resolved")
    preview = automation_preview(data=_input(close), automation=close)
    assert [t.pk for t in preview.tickets] == [old.pk]
    assert preview.would_do == ["Set the status to Closed."] and not preview.has_more
    assert Ticket.objects.get(pk=old.pk).status == Status.RESOLVED
    # Run now (an admin's button), then the dry run leaves out what it fired on.
    assert automation_run_now(actor=admin, automation=close).fired == 1
    assert automation_preview(data=_input(close), automation=close).tickets == []


@pytest.mark.parametrize(("field", "indexes"), [
    (AutomationField.RESOLVED_AT, ("ticket_status_resolved",)),
    # On a near-empty table the planner may walk (updated_at) and filter the status; at a
    # million tickets it takes (status, updated_at) (bench/README.md, automations).
    (AutomationField.UPDATED_AT, ("ticket_status_recent", "ticket_recent")),
])
def test_the_candidates_are_an_index_range(field, indexes):
    """At a million tickets a run must read its range, not the table: the query the run
    sends is an index range bounded by the automation's field."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    automation = _tagging(field=field)
    now = timezone.now()
    qs = schedules._in_range(automation, lower=now - 2 * DAY, upper=now - DAY)
    sql, params = qs.order_by(field, "pk").values_list(field, "pk")[:200].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert any(f"using {index} " in plan for index in indexes), plan
    assert f"({field} < " in plan.split("Index Cond:", 1)[1], plan
