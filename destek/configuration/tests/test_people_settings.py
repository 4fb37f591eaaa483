"""Settings › People and Departments: permissions, an invitation that lets the agent set a
password through allauth's reset page and sign in, role changes in the audit log, the
outsourced scope, deactivation, departments with members and routing rules."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from destek.accounts.factories import AgentFactory, DepartmentFactory
from destek.accounts.models import Department, DepartmentMembership, Role, User
from destek.accounts.scope import departments_for
from destek.audit.models import Action, AuditEvent
from destek.desk.choices import VERSION_KEY
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel, RoutingRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> User:
    return AgentFactory(role=Role.ADMIN, full_name="Ayşe Admin")


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_admins_only(client: Client, customer: User, agent: User, admin: User,
                     department: Department) -> None:
    supervisor = AgentFactory(role=Role.SUPERVISOR)
    rule = RoutingRule.objects.create(name="VPS", department=department)
    pages = [reverse("settings:people"), reverse("settings:person_invite"),
             reverse("settings:person_edit", args=[agent.pk]),
             reverse("settings:departments"), reverse("settings:department_add"),
             reverse("settings:department_edit", args=[department.pk]),
             reverse("settings:routing_rule_add"),
             reverse("settings:routing_rule_edit", args=[rule.pk])]
    for person in (customer, agent, supervisor):
        signed_in(client, person)
        assert {client.get(url).status_code for url in pages} == {404}, person.role
    signed_in(client, supervisor)
    index = client.get(reverse("settings:index")).content.decode()
    assert "settings-nav-sla_policies" in index and "settings-nav-people" not in index
    signed_in(client, admin)
    assert {client.get(url).status_code for url in pages} == {200}
    # A customer is not staff: not editable here.
    assert client.get(reverse("settings:person_edit", args=[customer.pk])).status_code == 404


def test_invitation_sets_a_password_and_signs_in(client: Client, admin: User,
                                                 department: Department) -> None:
    signed_in(client, admin)
    response = client.post(reverse("settings:person_invite"), {
        "email": "Yeni.Ajan@Example.com", "full_name": "Yeni Ajan", "role": Role.OUTSOURCED,
        "language": "tr", "departments": [department.pk]})
    assert response.status_code == 302
    user = User.objects.get(email__iexact="yeni.ajan@example.com")
    assert user.role == Role.OUTSOURCED and not user.has_usable_password()
    assert list(departments_for(user)) == [department]
    event = AuditEvent.objects.get(action=Action.ROLE_CHANGED, target=f"user:{user.pk}")
    assert event.detail["new_role"] == Role.OUTSOURCED and event.actor == admin

    render_outbox()
    email = OutboundEmail.objects.get(kind="staff_invitation")
    assert email.recipients == [user.email]
    assert "Ayşe Admin" in email.subject and "davet" in email.subject  # in their language
    link = re.search(r"https?://\S+/password/reset/key/\S+", email.body_text)
    assert link is not None
    path = "/" + link.group(0).split("/", 3)[3]

    client.logout()
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"password1": "a-Long-new-pass-2026",
                                 "password2": "a-Long-new-pass-2026"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-Long-new-pass-2026")
    # The link worked once.
    assert client.get(path).context["token_fail"]
    assert client.login(email=user.email, password="a-Long-new-pass-2026")


def test_invitation_errors(client: Client, admin: User, agent: User) -> None:
    signed_in(client, admin)
    response = client.post(reverse("settings:person_invite"), {
        "email": agent.email.upper(), "full_name": "", "role": Role.OUTSOURCED,
        "language": "en"})
    errors = response.context["form"].errors
    assert set(errors) == {"email", "full_name", "departments"}
    assert "already has an account" in errors["email"][0]
    assert not OutboundEmail.objects.filter(kind="staff_invitation").exists()


def test_role_scope_and_deactivation(client: Client, admin: User, agent: User,
                                     department: Department,
                                     other_department: Department) -> None:
    signed_in(client, admin)
    url = reverse("settings:person_edit", args=[agent.pk])
    response = client.post(url, {"role": Role.OUTSOURCED, "departments": [other_department.pk],
                                 "is_available": "on", "max_open_tickets": 10,
                                 "is_active": "on"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.role == Role.OUTSOURCED and agent.max_open_tickets == 10
    assert list(departments_for(agent)) == [other_department]
    event = AuditEvent.objects.get(action=Action.ROLE_CHANGED, target=f"user:{agent.pk}")
    assert (event.detail["old_role"], event.detail["new_role"]) == (Role.AGENT, Role.OUTSOURCED)

    client.post(url, {"role": Role.OUTSOURCED, "departments": [other_department.pk],
                      "max_open_tickets": 10})
    agent.refresh_from_db()
    assert not agent.is_active
    assert AuditEvent.objects.filter(action=Action.ROLE_CHANGED,
                                     target=f"user:{agent.pk}").count() == 2


def test_no_one_demotes_themselves(client: Client, admin: User) -> None:
    signed_in(client, admin)
    response = client.post(reverse("settings:person_edit", args=[admin.pk]), {
        "role": Role.AGENT, "max_open_tickets": 25, "is_active": "on"})
    assert response.status_code == 200
    assert "your own role" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_people_list_queries(client: Client, admin: User, department: Department,
                             django_assert_max_num_queries: object) -> None:
    for _ in range(6):
        DepartmentMembership.objects.create(department=department, agent=AgentFactory())
    signed_in(client, admin)
    client.get(reverse("settings:people"))
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        page = client.get(reverse("settings:people"))
    assert page.content.decode().count('data-testid="person-row"') == 7
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        assert client.get(reverse("settings:departments")).status_code == 200


def test_department_with_members(client: Client, admin: User, agent: User) -> None:
    signed_in(client, admin)
    other = AgentFactory()
    response = client.post(reverse("settings:department_add"), {
        "name": "Servers", "name_tr": "Sunucular", "email": "", "assignment_mode":
        "round_robin", "supervisor": "", "is_public": "on", "agents": [agent.pk, other.pk]})
    assert response.status_code == 302
    servers = Department.objects.get(name="Servers")
    assert servers.localized_name("tr") == "Sunucular"
    assert set(servers.agents.all()) == {agent, other}
    client.post(reverse("settings:department_edit", args=[servers.pk]), {
        "name": "Servers", "name_tr": "Sunucular", "assignment_mode": "least_loaded",
        "agents": [agent.pk]})
    servers.refresh_from_db()
    assert servers.assignment_mode == "least_loaded"
    assert list(servers.agents.all()) == [agent]
    assert AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED,
                                     target=f"accounts.department:{servers.pk}").count() == 2
    duplicate = client.post(reverse("settings:department_add"), {
        "name": "Servers", "assignment_mode": "manual"})
    assert "name" in duplicate.context["form"].errors


def test_routing_rule_takes_effect(client: Client, admin: User, customer: User,
                                   department: Department) -> None:
    billing = DepartmentFactory(name="Billing desk")
    signed_in(client, admin)
    response = client.post(reverse("settings:routing_rule_add"), {
        "name": "Chat to billing", "position": 10, "is_active": "on",
        "channels": [Channel.PHONE], "department": billing.pk, "raise_priority_to": "30"})
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = RoutingRule.objects.get(name="Chat to billing")
    assert rule.channels == [Channel.PHONE]
    ticket = receive(InboundMessage(channel=Channel.PHONE, author=customer, subject="Invoice",
                                    body_text="Why?")).ticket  # type: ignore[arg-type]
    assert ticket.department_id == billing.pk and ticket.priority == 30
    client.post(reverse("settings:routing_rule_delete", args=[rule.pk]))
    assert not RoutingRule.objects.exists()


def test_the_desk_reloads_its_departments_and_colleagues(client: Client, admin: User,
                                                        department: Department) -> None:
    signed_in(client, admin)
    before = cache.get(VERSION_KEY)
    client.post(reverse("settings:department_edit", args=[department.pk]), {
        "name": department.name, "name_tr": "Teknik ekip", "assignment_mode": "manual"})
    assert cache.get(VERSION_KEY) != before
