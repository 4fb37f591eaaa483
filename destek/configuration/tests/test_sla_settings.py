"""Settings › SLA policies and business hours: who may open them, what a save changes (the
policy, the audit log, a new ticket's deadline), and the errors bad input gets."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Department, Organization, Role, User
from destek.audit.models import Action, AuditEvent
from destek.configuration.sla_summary import policy_summary
from destek.sla.models import BusinessCalendar, BusinessHours, Holiday, SlaPolicy, TicketSla
from destek.tickets.factories import open_ticket
from destek.tickets.models import Priority

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> User:
    return AgentFactory(role=Role.ADMIN, full_name="Ayşe Admin")


@pytest.fixture
def supervisor() -> User:
    return AgentFactory(role=Role.SUPERVISOR)


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def policy_post(policy: SlaPolicy, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": policy.name, "position": policy.position, "is_active": "on",
        "priorities": [str(p) for p in policy.priorities],
        "first_response_minutes": "", "next_response_minutes": "24 h",
        "resolution_minutes": "3 d", "calendar": "", "pause_statuses": ["pending", "on_hold"],
        "warn_percent": 75, "warn_assignee": "on", "breach_notify_assignee": "on",
        "supervisor_after_minutes": "0 min", "reassign_after_minutes": "",
        "reassign_to": "on_call", "progress_every_minutes": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_permissions(client: Client, customer: User, agent: User, supervisor: User,
                     admin: User) -> None:
    normal = SlaPolicy.objects.get(name="Normal")
    calendar = BusinessCalendar.objects.first()
    assert calendar is not None
    pages = [reverse("settings:sla_policies"), reverse("settings:sla_policy_edit",
                                                       args=[normal.pk]),
             reverse("settings:business_hours"),
             reverse("settings:business_hours_edit", args=[calendar.pk])]
    for person in (customer, agent):
        signed_in(client, person)
        assert {client.get(url).status_code for url in pages} == {404}
    signed_in(client, supervisor)
    assert {client.get(url).status_code for url in pages} == {200}
    # Supervisors read the policies; only administrators change them.
    page = client.get(pages[1])
    assert b'data-testid="read-only"' in page.content
    assert client.post(pages[1], policy_post(normal, first_response_minutes="5 min")
                       ).status_code == 404
    assert client.get(reverse("settings:sla_policy_add")).status_code == 200
    signed_in(client, admin)
    assert {client.get(url).status_code for url in pages} == {200}


def test_edit_changes_the_deadline_of_a_new_ticket(client: Client, admin: User,
                                                   customer: User,
                                                   department: Department) -> None:
    normal = SlaPolicy.objects.get(name="Normal")
    signed_in(client, admin)
    response = client.post(reverse("settings:sla_policy_edit", args=[normal.pk]),
                           policy_post(normal, first_response_minutes="2 h 30 min"))
    assert response.status_code == 302, response.content.decode()[:3000]
    normal.refresh_from_db()
    assert normal.first_response_minutes == 150
    assert normal.resolution_minutes == 3 * 24 * 60
    assert normal.pause_statuses == ["pending", "on_hold"]
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED,
                                   target=f"sla.slapolicy:{normal.pk}")
    assert "first_response_minutes" in event.detail["fields"]
    assert event.actor == admin

    ticket = open_ticket(customer=customer, department=department, priority=Priority.NORMAL)
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.policy_id == normal.pk
    assert sla.first_response_due is not None
    assert sla.first_response_due - ticket.created_at == timedelta(minutes=150)


def test_bad_input_gets_clear_errors_and_changes_nothing(client: Client, admin: User) -> None:
    normal = SlaPolicy.objects.get(name="Normal")
    before = (normal.first_response_minutes, normal.resolution_minutes)
    signed_in(client, admin)
    response = client.post(reverse("settings:sla_policy_edit", args=[normal.pk]),
                           policy_post(normal, first_response_minutes="soon",
                                       resolution_minutes="-1 h", priorities=["99"],
                                       warn_percent=150))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"first_response_minutes", "priorities", "warn_percent"}
    assert "30 min" in errors["first_response_minutes"][0]
    normal.refresh_from_db()
    assert (normal.first_response_minutes, normal.resolution_minutes) == before
    assert not AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED).exists()


def test_summary_in_plain_language() -> None:
    office = BusinessCalendar.objects.get(name="Office hours (Istanbul)")
    policy = SlaPolicy.objects.create(
        name="Key critical", priorities=[40], tiers=["key"], first_response_minutes=60,
        resolution_minutes=480, calendar=office, pause_statuses=["pending"])
    text = policy_summary(policy)
    assert text == ("Critical tickets (customer tier: Key account): first response within 1 h, "
                    "resolution within 8 h, counted in the business hours of Office hours "
                    "(Istanbul); the clock pauses while Pending customer.")
    with translation.override("tr"):
        assert "Kritik" in policy_summary(policy)


def test_list_is_a_fixed_number_of_queries(client: Client, admin: User,
                                           django_assert_max_num_queries: object,
                                           department: Department) -> None:
    for n in range(5):
        p = SlaPolicy.objects.create(name=f"P{n}", priorities=[40], first_response_minutes=30)
        p.departments.add(department)
    signed_in(client, admin)
    client.get(reverse("settings:sla_policies"))  # warm the session and sidebar
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        assert client.get(reverse("settings:sla_policies")).status_code == 200
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        assert client.get(reverse("settings:business_hours")).status_code == 200


def test_calendar_week_grid_and_holidays(client: Client, supervisor: User) -> None:
    signed_in(client, supervisor)
    data = {"name": "Weekend desk", "timezone": "Europe/Istanbul",
            "d5_0_start": "10:00", "d5_0_end": "14:00", "d5_1_start": "15:00",
            "d5_1_end": "00:00", "d6_0_start": "10:00", "d6_0_end": "16:00",
            "holidays-TOTAL_FORMS": "3", "holidays-INITIAL_FORMS": "0",
            "holidays-MIN_NUM_FORMS": "0", "holidays-MAX_NUM_FORMS": "1000",
            "holidays-0-date": "2027-01-01", "holidays-0-name": "New Year"}
    response = client.post(reverse("settings:business_hours_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    calendar = BusinessCalendar.objects.get(name="Weekend desk")
    hours = list(BusinessHours.objects.filter(calendar=calendar).order_by("weekday", "start")
                 .values_list("weekday", "start", "end"))
    assert hours == [(5, time(10), time(14)), (5, time(15), time(0)), (6, time(10), time(16))]
    assert list(Holiday.objects.filter(calendar=calendar).values_list("name", flat=True)) == [
        "New Year"]
    assert AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED,
                                     target=f"sla.businesscalendar:{calendar.pk}").exists()


def test_calendar_errors(client: Client, admin: User) -> None:
    signed_in(client, admin)
    data = {"name": "Broken", "timezone": "Mars/Olympus",
            "d0_0_start": "18:00", "d0_0_end": "09:00", "d1_0_start": "09:00",
            "d1_0_end": "13:00", "d1_1_start": "12:00", "d1_1_end": "18:00",
            "d2_0_start": "09:00",
            "holidays-TOTAL_FORMS": "0", "holidays-INITIAL_FORMS": "0"}
    response = client.post(reverse("settings:business_hours_add"), data)
    assert response.status_code == 200
    assert "timezone" in response.context["form"].errors
    week = response.context["week"]
    assert set(week.day_errors) == {0, 1, 2}
    assert not BusinessCalendar.objects.filter(name="Broken").exists()


def test_a_calendar_in_use_is_not_deleted(client: Client, admin: User) -> None:
    office = BusinessCalendar.objects.get(name="Office hours (Istanbul)")
    SlaPolicy.objects.create(name="Uses office", calendar=office)
    signed_in(client, admin)
    response = client.post(reverse("settings:business_hours_delete", args=[office.pk]),
                           follow=True)
    assert BusinessCalendar.objects.filter(pk=office.pk).exists()
    assert "used by an SLA policy" in response.content.decode()


def test_a_new_policy_with_pickers_then_deleted(client: Client, admin: User,
                                                department: Department) -> None:
    reseller = Organization.objects.create(name="Bayi A.Ş.", is_reseller=True)
    signed_in(client, admin)
    response = client.post(reverse("settings:sla_policy_add"), {
        "name": "VPS of resellers", "position": 5, "is_active": "on", "priorities": ["30", "40"],
        "service_kinds": ["vps"], "plans": "VPS Pro\n\nVPS Pro\n", "departments": [department.pk],
        "resellers": [reseller.pk], "channels": ["email"], "first_response_minutes": "45 dk",
        "resolution_minutes": "1:30", "pause_statuses": ["on_hold"],
        "supervisor_after_minutes": "", "reassign_to": "on_call"})
    assert response.status_code == 302, response.context["form"].errors
    policy = SlaPolicy.objects.get(name="VPS of resellers")
    assert (policy.priorities, policy.service_kinds, policy.plans) == ([30, 40], ["vps"],
                                                                      ["VPS Pro"])
    assert list(policy.resellers.all()) == [reseller]
    assert (policy.first_response_minutes, policy.resolution_minutes) == (45, 90)
    assert policy.supervisor_after_minutes is None  # emptied: never
    listed = client.get(reverse("settings:sla_policies")).content.decode()
    assert ("Critical or High tickets (service kind: VPS; plan: VPS Pro; channel: Email; "
            "department: Technical support; reseller: Bayi A.Ş.)") in listed
    client.post(reverse("settings:sla_policy_delete", args=[policy.pk]))
    assert not SlaPolicy.objects.filter(pk=policy.pk).exists()
    assert AuditEvent.objects.filter(target=f"sla.slapolicy:{policy.pk}").count() == 2


def test_a_day_with_three_intervals_keeps_them(client: Client, admin: User) -> None:
    calendar = BusinessCalendar.objects.create(name="Split shifts")
    BusinessHours.objects.bulk_create([
        BusinessHours(calendar=calendar, weekday=0, start=time(h), end=time(h + 2))
        for h in (8, 12, 16)])
    signed_in(client, admin)
    page = client.get(reverse("settings:business_hours_edit", args=[calendar.pk]))
    week = page.context["week"]
    data = {**{k: v.strftime("%H:%M") for k, v in week.initial.items()},
            "name": "Split shifts", "timezone": "Europe/Istanbul",
            "holidays-TOTAL_FORMS": "0", "holidays-INITIAL_FORMS": "0"}
    assert client.post(reverse("settings:business_hours_edit", args=[calendar.pk]),
                       data).status_code == 302
    assert BusinessHours.objects.filter(calendar=calendar).count() == 3


def test_progress_reports_and_the_customer_updates_grace(client: Client, admin: User) -> None:
    normal = SlaPolicy.objects.get(name="Normal")
    url = reverse("settings:sla_policy_edit", args=[normal.pk])
    page = signed_in(client, admin).get(url).content.decode()
    assert 'name="progress_grace_minutes"' in page and 'name="progress_customer_update"' in page
    response = client.post(url, policy_post(normal, progress_every_minutes="4 h",
                                            progress_customer_update="on",
                                            progress_grace_minutes="45 min"))
    assert response.status_code == 302
    normal.refresh_from_db()
    assert (normal.progress_every_minutes, normal.progress_customer_update,
            normal.progress_grace_minutes) == (240, True, 45)
    client.post(url, policy_post(normal, progress_every_minutes="4 h",
                                 progress_grace_minutes=""))
    normal.refresh_from_db()
    assert (normal.progress_customer_update, normal.progress_grace_minutes) == (False, None)
