"""The outsourced-agent rule, asked through destek.accounts.scope by every door."""

from __future__ import annotations

import pytest

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Department, Role, User
from destek.accounts.scope import departments_for, in_scope, works_in_department


@pytest.mark.django_db
def test_agents_work_everywhere_outsourced_only_in_their_departments(
        department: Department, other_department: Department, agent: User, outsourced: User,
        customer: User) -> None:
    assert set(departments_for(agent)) == {department, other_department}
    assert list(departments_for(outsourced)) == [other_department]
    assert list(departments_for(customer)) == []
    assert works_in_department(agent, department.pk)
    assert works_in_department(outsourced, other_department.pk)
    assert not works_in_department(outsourced, department.pk)
    assert not works_in_department(outsourced, None)
    assert not works_in_department(customer, department.pk)
    both = Department.objects.filter(pk__in=[department.pk, other_department.pk])
    assert set(both.filter(in_scope(outsourced, field="pk"))) == {other_department}
    assert set(both.filter(in_scope(agent, field="pk"))) == {department, other_department}


@pytest.mark.django_db
def test_an_inactive_agent_works_nowhere(department: Department) -> None:
    gone = AgentFactory(role=Role.AGENT, is_active=False)
    assert list(departments_for(gone)) == []
    assert not works_in_department(gone, department.pk)
    assert not Department.objects.filter(in_scope(gone, field="pk")).exists()
