"""Saved views: who may create, see and change them; their filters in one spelling; the
capped count behind a tab."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.accounts.models import Role
from destek.core.errors import ApplicationError, NotFound
from destek.queues.saved_views import (
    access_saved_view_by_id,
    normalized_query,
    saved_view_create,
    saved_view_delete,
    saved_view_rename,
    saved_views_for,
)
from destek.queues.selectors import QueueFilters, ticket_queue_count
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def test_the_same_filters_are_spelled_one_way():
    a = normalized_query([("status", "new"), ("q", "  disk   full "), ("cursor", "abc"),
                          ("queue", "all"), ("priority", ""), ("evil", "1")])
    b = normalized_query([("queue", "all"), ("q", "disk full"), ("status", "new")])
    assert a == b == "q=disk+full&queue=all&status=new"


def test_an_agent_keeps_views_of_their_own(agent):
    colleague = AgentFactory()
    mine = saved_view_create(actor=agent, name="  Urgent  mine ", query="queue=mine&priority=4")
    assert mine.name == "Urgent mine"
    assert mine.query == "priority=4&queue=mine"
    assert [v.pk for v in saved_views_for(actor=agent)] == [mine.pk]
    assert saved_views_for(actor=colleague) == []
    with pytest.raises(NotFound):
        access_saved_view_by_id(actor=colleague, view_id=mine.pk)
    with pytest.raises(NotFound):
        saved_view_delete(actor=colleague, view_id=mine.pk)


def test_only_supervisors_and_admins_share_and_change_shared_views(agent):
    with pytest.raises(ApplicationError):
        saved_view_create(actor=agent, name="Everyone", query="queue=open", shared=True)
    supervisor = AgentFactory(role=Role.SUPERVISOR)
    admin = AgentFactory(role=Role.ADMIN)
    shared = saved_view_create(actor=supervisor, name="Breached", query="sla=breached",
                               shared=True)
    own = saved_view_create(actor=agent, name="Mine", query="queue=mine")
    # Everyone sees it after their own views, only a supervisor or admin changes it.
    assert [v.pk for v in saved_views_for(actor=agent)] == [own.pk, shared.pk]
    with pytest.raises(NotFound):
        saved_view_rename(actor=agent, view_id=shared.pk, name="Mine now")
    assert saved_view_rename(actor=admin, view_id=shared.pk, name="SLA breached").name == \
        "SLA breached"
    saved_view_delete(actor=admin, view_id=shared.pk)
    assert [v.pk for v in saved_views_for(actor=agent)] == [own.pk]


def test_customers_have_no_views(customer):
    with pytest.raises(NotFound):
        saved_view_create(actor=customer, name="x", query="")


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_a_view_needs_a_sensible_name(agent, name):
    with pytest.raises(ApplicationError):
        saved_view_create(actor=agent, name=name, query="queue=all")


def test_two_views_of_one_agent_cannot_share_a_name(agent):
    first = saved_view_create(actor=agent, name="Today", query="queue=all")
    with pytest.raises(ApplicationError):
        saved_view_create(actor=agent, name="Today", query="queue=mine")
    other = saved_view_create(actor=agent, name="Tomorrow", query="queue=mine")
    with pytest.raises(ApplicationError):
        saved_view_rename(actor=agent, view_id=other.pk, name="Today")
    assert access_saved_view_by_id(actor=agent, view_id=first.pk).query == "queue=all"


def test_the_count_stops_at_its_cap_in_one_query(agent, customer, department):
    for i in range(5):
        open_ticket(customer=customer, department=department, subject=f"Disk {i}")
    filters = QueueFilters(queue="open")
    assert ticket_queue_count(actor=agent, filters=filters, cap=100) == 5
    with CaptureQueriesContext(connection) as ctx:
        assert ticket_queue_count(actor=agent, filters=filters, cap=3) == 3
    assert len(ctx.captured_queries) == 1
    assert "LIMIT 3" in ctx.captured_queries[0]["sql"].upper()


def test_the_count_is_the_actors_queue(customer, department, other_department):
    outsourced = AgentFactory(role=Role.OUTSOURCED)
    MembershipFactory(department=other_department, agent=outsourced)
    open_ticket(customer=customer, department=department)
    open_ticket(customer=customer, department=other_department)
    assert ticket_queue_count(actor=outsourced, filters=QueueFilters(queue="all"), cap=100) == 1
