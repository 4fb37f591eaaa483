"""Settings → Triggers and Automations: the forms turn people's fields into the issue-19 JSON
documents exactly; the pages hand them to automation's services, show the services' refusals
next to the field, reorder, toggle, run the dry run without saving.

The services are other parts' modules: the views are tested against stand-ins with the
brief's signatures (`services` fixture), the forms' documents against the schema directly."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role, User
from destek.automation.models import Automation, Trigger
from destek.configuration.forms.automations import AutomationForm
from destek.configuration.forms.triggers import TriggerForm
from destek.conftest import login
from destek.core.errors import ApplicationError
from destek.tickets.factories import open_ticket
from destek.webhooks.models import Endpoint

TRIGGERS = "/desk/settings/triggers/"
NEW = "/desk/settings/triggers/new/"
PREVIEW_NEW = "/desk/settings/triggers/preview/"
AUTOMATIONS = "/desk/settings/automations/"
AUTOMATION_NEW = "/desk/settings/automations/new/"


@pytest.fixture
def admin(db: None) -> User:
    return AgentFactory(role=Role.ADMIN, full_name="Ada Admin")


@dataclass
class StandIns:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refuse: ApplicationError | None = None
    preview_tickets: list[Any] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture
def services(db: None, monkeypatch: pytest.MonkeyPatch) -> StandIns:
    """Minimal stand-ins for automation's services, dry run and schedule services: they
    record each call and write the row as the real ones would (validation, audit and the
    rules' version are theirs, tested there). The shipped rules (data migrations) are
    removed first: each test starts from no rules."""
    Trigger.objects.all().delete()
    Automation.objects.all().delete()
    state = StandIns()

    def recorded(name: str, fn: Any) -> Any:
        def call(**kwargs: Any) -> Any:
            state.calls.append((name, kwargs))
            if state.refuse is not None:
                raise state.refuse
            return fn(**kwargs)
        return call

    def values(data: dict[str, Any]) -> dict[str, Any]:
        data.pop("request", None)
        inner = data.pop("data", None)  # the schedule services take a dataclass
        given = {**data, **(vars(inner) if inner is not None else {})}
        return {k: v for k, v in given.items() if v is not None}  # None: the default

    def write(model: Any) -> Any:
        def create(*, actor: User, **data: Any) -> Any:
            return model.objects.create(created_by=actor, **values(data))
        return create

    def update(key: str) -> Any:
        def change(*, actor: User, **data: Any) -> Any:
            data = values(data)
            row = data.pop(key)
            for name, value in data.items():
                setattr(row, name, value)
            row.updated_at = timezone.now()
            row.save()
            return row
        return change

    def delete(key: str) -> Any:
        def remove(*, actor: User, **data: Any) -> None:
            data[key].delete()
        return remove

    def reorder(*, actor: User, trigger_ids: list[int], request: Any = None) -> None:
        for position, pk in enumerate(trigger_ids, start=1):
            Trigger.objects.filter(pk=pk).update(position=position * 10)

    @dataclass(frozen=True)
    class ScheduleInput:
        name: str
        status: str
        field: str
        hours: int
        actions: dict[str, Any]
        conditions: dict[str, Any]
        is_active: bool = True
        position: int = 100

    @dataclass(frozen=True)
    class Match:
        ticket: Any
        message: Any

    @dataclass(frozen=True)
    class DryRun:
        event: str
        scanned: int
        matches: list[Match]
        would_do: list[str]

    @dataclass(frozen=True)
    class AutomationPreview:
        tickets: list[Any]
        would_do: list[str]

    @dataclass(frozen=True)
    class RunResult:
        fired: int

    def preview(*, event: str, **kwargs: Any) -> DryRun:
        return DryRun(event=event, scanned=7, would_do=["Set the priority to Critical"],
                      matches=[Match(t, None) for t in state.preview_tickets])

    def automation_preview(**kwargs: Any) -> AutomationPreview:
        return AutomationPreview(tickets=list(state.preview_tickets),
                                 would_do=["Set the status to Closed"])

    modules = {
        "destek.automation.services": {
            "trigger_create": recorded("trigger_create", write(Trigger)),
            "trigger_update": recorded("trigger_update", update("trigger")),
            "trigger_delete": recorded("trigger_delete", delete("trigger")),
            "trigger_reorder": recorded("trigger_reorder", reorder)},
        "destek.automation.schedule_services": {
            "automation_create": recorded("automation_create", write(Automation)),
            "automation_update": recorded("automation_update", update("automation")),
            "automation_delete": recorded("automation_delete", delete("automation")),
            "automation_run_now": recorded("automation_run_now", lambda **kw: RunResult(3)),
            "automation_preview": recorded("automation_preview", automation_preview),
            "AutomationInput": ScheduleInput},
        "destek.automation.dryrun": {"preview": recorded("preview", preview)},
    }
    for name, members in modules.items():
        module = types.ModuleType(name)
        for member, value in members.items():
            setattr(module, member, value)
        monkeypatch.setitem(sys.modules, name, module)
    return state


def trigger_post(**values: Any) -> dict[str, Any]:
    return {"name": "Urgent words", "events": ["ticket_created"], "position": "10",
            "is_active": "on", "words_any": "acil yardım\nsite down", "priority": "40",
            **values}


# --- the form → the JSON documents ----------------------------------------------------------

def test_the_trigger_form_produces_the_briefs_documents(db: None, department, agent) -> None:
    room = Endpoint.objects.create(name="Ops room", kind="slack", url="https://hooks.slack.com/x")
    hook = Endpoint.objects.create(name="CRM", kind="webhook", url="https://crm.example.com/h")
    form = TriggerForm({
        "name": "  VIP   outage ", "events": ["ticket_created", "customer_replied"],
        "position": "5", "is_active": "on", "stop_here": "on",
        "channels": ["email", "chat"], "department_ids": [str(department.pk)],
        "priorities": ["20", "30"], "statuses": ["new"], "tags_any": "vip, Gold",
        "tags_none": "spam", "words_any": "site down\r\nsitem açılmıyor\n\nsite down",
        "regex": r"\b5\d\d\b", "sender_addresses": "Boss@Example.com",
        "sender_domains": "@Example.org", "tiers": ["key"], "plans": "Business Pro",
        "service_kinds": ["vps"], "business_hours": "out",
        "priority": "40", "status": "open", "department_id": str(department.pk),
        "assignee_id": str(agent.pk), "tags_add": "outage", "tags_remove": "waiting",
        "note": "Call {customer_name}\r\n", "email_to": "addresses",
        "email_addresses": "noc@example.com", "email_subject_en": "Outage {ticket_number}",
        "email_body_en": "See {link}", "email_subject_tr": "Kesinti {ticket_number}",
        "email_body_tr": "Bakın: {link}", "notify_endpoint_ids": [str(room.pk)],
        "webhook_endpoint_ids": [str(hook.pk)],
    })
    assert form.is_valid(), form.errors
    value = form.value()
    assert value.name == "VIP outage" and value.position == 5
    assert value.stop_here and value.is_active
    assert value.events == ["ticket_created", "customer_replied"]
    assert value.conditions == {
        "channels": ["email", "chat"], "department_ids": [department.pk],
        "priorities": [20, 30], "statuses": ["new"], "tags_any": ["vip", "gold"],
        "tags_none": ["spam"], "words_any": ["site down", "sitem açılmıyor"],
        "regex": r"\b5\d\d\b", "sender_addresses": ["boss@example.com"],
        "sender_domains": ["example.org"], "tiers": ["key"], "plans": ["Business Pro"],
        "service_kinds": ["vps"], "business_hours": "out"}
    assert value.actions == {
        "priority": 40, "status": "open", "department_id": department.pk,
        "assignee_id": agent.pk, "tags_add": ["outage"], "tags_remove": ["waiting"],
        "note": "Call {customer_name}",
        "email": {"to": "addresses", "addresses": ["noc@example.com"],
                  "subject": {"en": "Outage {ticket_number}", "tr": "Kesinti {ticket_number}"},
                  "body": {"en": "See {link}", "tr": "Bakın: {link}"}},
        "notify_endpoint_ids": [room.pk], "webhook_endpoint_ids": [hook.pk]}
    # And back: the stored documents fill the same fields.
    stored = Trigger(name=value.name, events=value.events, conditions=value.conditions,
                     actions=value.actions, position=5, stop_here=True)
    initial = TriggerForm.initial_for(stored)
    assert initial["words_any"] == ["site down", "sitem açılmıyor"]
    assert initial["email_subject_tr"] == "Kesinti {ticket_number}"
    assert initial["email_to"] == "addresses" and initial["priority"] == 40


def test_a_minimal_trigger_has_only_what_was_filled_in(db: None) -> None:
    form = TriggerForm(trigger_post())
    assert form.is_valid(), form.errors
    value = form.value()
    assert value.conditions == {"words_any": ["acil yardım", "site down"]}
    assert value.actions == {"priority": 40}
    assert not value.stop_here and value.position == 10
    last = TriggerForm(trigger_post(position=""))
    assert last.is_valid() and last.value().position is None  # the service puts it last


@pytest.mark.parametrize(("values", "field", "text"), [
    ({"events": []}, "events", "Tick at least one event."),
    ({"name": "   "}, "name", "Give the trigger a name."),
    ({"regex": "(unclosed"}, "regex", "This regular expression is not valid"),
    ({"regex": "a{99999999999}"}, "regex", "This regular expression is not valid"),
    ({"tags_add": "two words"}, "tags_add", "Tags are single words"),
    ({"sender_addresses": "not-an-address"}, "sender_addresses", "Not an email address"),
    ({"sender_domains": "no_domain"}, "sender_domains", "Not a domain name"),
    ({"rating_at_most": "2"}, "rating_at_most", "Rating received"),
    ({"email_to": "customer", "email_subject_en": "Hi"}, "email_body_en", "both languages"),
    ({"email_to": "addresses", "email_subject_en": "a", "email_body_en": "b",
      "email_subject_tr": "c", "email_body_tr": "d"}, "email_addresses", "at least one"),
    ({"priority": "", "unassign": "on", "assignee_id": "__agent__"}, "unassign", "not both"),
    ({"priority": ""}, "__all__", "Choose at least one thing to do."),
])
def test_each_mistake_is_told_at_its_field(db: None, agent, values: dict[str, Any], field: str,
                                           text: str) -> None:
    values = {k: (str(agent.pk) if v == "__agent__" else v) for k, v in values.items()}
    form = TriggerForm(trigger_post(**values))
    assert not form.is_valid()
    assert text in " ".join(form.errors[field]), form.errors


def test_the_automation_form_counts_days_in_hours(db: None) -> None:
    form = AutomationForm({"name": "Close resolved", "in_status": "resolved",
                           "field": "resolved_at", "amount": "7", "unit": "days",
                           "position": "1", "is_active": "on", "status": "closed",
                           "tiers": ["plus"], "tags_add": "auto-closed"})
    assert form.is_valid(), form.errors
    value = form.value()
    assert (value.status, value.field, value.hours) == ("resolved", "resolved_at", 168)
    assert value.conditions == {"tiers": ["plus"]}
    assert value.actions == {"status": "closed", "tags_add": ["auto-closed"]}
    # Conditions an automation cannot know are not offered.
    assert "words_any" not in form.fields and "rating_at_most" not in form.fields
    stored = Automation(name="x", status="resolved", hours=30, actions={"status": "closed"})
    assert AutomationForm.initial_for(stored)["amount"] == 30
    assert AutomationForm.initial_for(stored)["unit"] == "hours"


# --- the pages -------------------------------------------------------------------------------

def test_only_administrators_open_the_pages(db: None, agent, customer, services) -> None:
    trigger = Trigger.objects.create(name="T", events=["ticket_created"],
                                     actions={"priority": 40})
    supervisor = AgentFactory(role=Role.SUPERVISOR)
    for person in (customer, agent, supervisor):
        client = login(Client(), person)
        for url in (TRIGGERS, NEW, f"{TRIGGERS}{trigger.pk}/", AUTOMATIONS, AUTOMATION_NEW):
            assert client.get(url).status_code == 404, (person.role, url)
        assert client.post(NEW, trigger_post()).status_code == 404
        assert client.post(f"{TRIGGERS}{trigger.pk}/toggle/").status_code == 404
    assert services.calls == []


def test_an_admin_creates_edits_and_deletes_a_trigger(admin, services,
                                                     django_assert_max_num_queries) -> None:
    client = login(Client(), admin)
    page = client.get(NEW).content.decode()
    assert "Try it on recent tickets" in page and "words or phrases" in page.lower()
    response = client.post(NEW, trigger_post())
    assert response.status_code == 302 and response["Location"] == TRIGGERS
    assert services.names() == ["trigger_create"]
    trigger = Trigger.objects.get()
    assert trigger.conditions == {"words_any": ["acil yardım", "site down"]}
    assert trigger.actions == {"priority": 40} and trigger.created_by == admin

    edit = client.get(f"{TRIGGERS}{trigger.pk}/").content.decode()
    assert "acil yardım" in edit
    response = client.post(f"{TRIGGERS}{trigger.pk}/", trigger_post(stop_here="on",
                                                                    tags_add="urgent"))
    assert response.status_code == 302
    trigger.refresh_from_db()
    assert trigger.stop_here and trigger.actions == {"priority": 40, "tags_add": ["urgent"]}

    for n in range(3):
        Trigger.objects.create(name=f"Other {n}", events=["sla_breach"], position=200 + n,
                               actions={"tags_add": ["x"]}, default_key=f"k{n}" * (n == 0))
    with django_assert_max_num_queries(8):  # a fixed number, whatever the list's length
        listing = client.get(TRIGGERS).content.decode()
    assert listing.count('data-testid="trigger-row"') == 4
    assert "shipped with Destek" in listing and "stop here" in listing

    assert client.get(f"{TRIGGERS}{trigger.pk}/delete/").status_code == 200
    assert client.post(f"{TRIGGERS}{trigger.pk}/delete/").status_code == 302
    assert not Trigger.objects.filter(pk=trigger.pk).exists()
    assert services.names()[-1] == "trigger_delete"


def test_the_services_refusal_is_shown_at_its_field(admin, services) -> None:
    services.refuse = ApplicationError("Too many words.", field="conditions.words_any")
    response = login(Client(), admin).post(NEW, trigger_post())
    assert response.status_code == 400
    assert "Too many words." in response.content.decode()
    assert response.context["form"].errors["words_any"] == ["Too many words."]
    assert not Trigger.objects.exists()


def test_moving_and_toggling_go_through_the_services(admin, services) -> None:
    first, second, third = (Trigger.objects.create(
        name=name, events=["ticket_created"], position=pos, actions={"priority": 40})
        for name, pos in (("A", 10), ("B", 20), ("C", 30)))
    client = login(Client(), admin)
    assert client.post(f"{TRIGGERS}{third.pk}/move/up/").status_code == 302
    name, kwargs = services.calls[-1]
    assert name == "trigger_reorder"
    assert kwargs["trigger_ids"] == [first.pk, third.pk, second.pk]
    assert list(Trigger.objects.values_list("name", flat=True)) == ["A", "C", "B"]
    client.post(f"{TRIGGERS}{first.pk}/move/up/")  # already first: nothing to do
    assert len(services.calls) == 1
    assert client.get(f"{TRIGGERS}{first.pk}/move/up/").status_code == 404

    assert client.post(f"{TRIGGERS}{second.pk}/toggle/").status_code == 302
    second.refresh_from_db()
    assert not second.is_active and second.actions == {"priority": 40}
    name, kwargs = services.calls[-1]
    assert name == "trigger_update" and kwargs["is_active"] is False


def test_the_dry_run_shows_matches_without_saving(admin, services, customer,
                                                  department) -> None:
    ticket = open_ticket(customer=customer, department=department,
                         subject="Acil yardım lazım", body="Sitem çöktü")
    services.preview_tickets = [ticket]
    client = login(Client(), admin)
    response = client.post(PREVIEW_NEW, trigger_post(events=["ticket_created",
                                                              "customer_replied"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/desk/tickets/{ticket.pk}/" in page and "Acil yardım lazım" in page
    assert "Set the priority to Critical" in page and "1 ticket would have matched" in page
    assert 'value="Urgent words"' in page  # the form is still filled in
    previews = [kw for name, kw in services.calls if name == "preview"]
    assert [p["event"] for p in previews] == ["ticket_created", "customer_replied"]
    assert previews[0]["conditions"] == {"words_any": ["acil yardım", "site down"]}
    assert previews[0]["actions"] == {"priority": 40}
    assert previews[0]["days"] == 30
    assert not Trigger.objects.exists()

    services.preview_tickets = []
    page = client.post(PREVIEW_NEW, trigger_post()).content.decode()
    assert "No recent ticket would have matched." in page
    # An invalid form is not tried.
    response = client.post(PREVIEW_NEW, trigger_post(regex="("))
    assert response.status_code == 400
    assert len([c for c in services.calls if c[0] == "preview"]) == 3


def test_automations_list_form_preview_and_run_now(admin, services, customer,
                                                   department) -> None:
    client = login(Client(), admin)
    assert "New automation" in client.get(AUTOMATIONS).content.decode()
    post = {"name": "Close resolved", "in_status": "resolved", "field": "resolved_at",
            "amount": "7", "unit": "days", "position": "1", "is_active": "on",
            "tags_add": "auto-closed"}
    response = client.post(AUTOMATION_NEW, post)
    assert response.status_code == 302, response.content.decode()[:3000]
    automation = Automation.objects.get()
    assert (automation.hours, automation.field) == (168, "resolved_at")
    assert automation.status == "resolved"
    assert automation.actions == {"tags_add": ["auto-closed"]}
    listing = client.get(AUTOMATIONS).content.decode()
    assert "Close resolved" in listing and "7 days" in listing

    ticket = open_ticket(customer=customer, department=department, subject="Done long ago")
    services.preview_tickets = [ticket]
    page = client.post(f"{AUTOMATIONS}{automation.pk}/preview/", post).content.decode()
    assert "Done long ago" in page and "Set the status to Closed" in page
    name, kwargs = services.calls[-1]
    assert name == "automation_preview" and kwargs["automation"] == automation
    assert kwargs["data"].hours == 168 and kwargs["data"].status == "resolved"

    response = client.post(f"{AUTOMATIONS}{automation.pk}/run/", follow=True)
    assert "ran: 3 tickets" in response.content.decode()
    assert services.calls[-1] == ("automation_run_now",
                                  {"actor": admin, "automation": automation})
    assert client.post(f"{AUTOMATIONS}{automation.pk}/delete/").status_code == 302
    assert not Automation.objects.exists()
