"""Who an incident concerns, and how it moves its components' statuses."""

from __future__ import annotations

import pytest

from destek.accounts.factories import CustomerFactory, OrganizationFactory
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import ServiceStatus
from destek.status.audience import affected_customers, components_of_customer
from destek.status.factories import ComponentFactory
from destek.status.models import ComponentMember, ComponentStatus, IncidentKind, IncidentState
from destek.status.services import IncidentDraft, incident_create, incident_post_update

pytestmark = pytest.mark.django_db


def test_affected_customers_are_those_on_the_components_servers_plans_and_members() -> None:
    web07 = ComponentFactory(servers=["web-07"])
    vps = ComponentFactory(plans=["VPS Pro"])
    on_web07 = CustomerFactory()
    ServiceFactory(customer=on_web07, server="web-07")
    org = OrganizationFactory()
    colleague_a, colleague_b = CustomerFactory(organization=org), CustomerFactory(organization=org)
    ServiceFactory(customer=None, organization=org, server="web-07")
    elsewhere = CustomerFactory()
    ServiceFactory(customer=elsewhere, server="web-08")
    cancelled = CustomerFactory()
    ServiceFactory(customer=cancelled, server="web-07", status=ServiceStatus.CANCELLED)
    on_vps = CustomerFactory()
    ServiceFactory(customer=on_vps, plan="VPS Pro", server="ist-3")
    named = CustomerFactory()
    ComponentMember.objects.create(component=web07, customer=named)

    assert set(affected_customers([web07.pk])) == {on_web07, colleague_a, colleague_b, named}
    assert set(affected_customers([vps.pk])) == {on_vps}
    assert set(affected_customers([web07.pk, vps.pk])) == {
        on_web07, colleague_a, colleague_b, named, on_vps}
    assert components_of_customer(colleague_a) == {web07.pk}
    assert components_of_customer(elsewhere) == set()
    assert components_of_customer(on_vps) == {vps.pk}


def test_a_published_incident_sets_its_components_status_and_resolving_gives_it_back() -> None:
    component = ComponentFactory()
    incident = incident_create(actor=None, draft=IncidentDraft(
        title="Web-07 down", body="Looking into it", components=[component],
        component_status=ComponentStatus.MAJOR_OUTAGE))
    component.refresh_from_db()
    assert component.status == ComponentStatus.MAJOR_OUTAGE
    incident_post_update(actor=None, incident=incident, state=IncidentState.RESOLVED,
                         body="Fixed")
    component.refresh_from_db()
    incident.refresh_from_db()
    assert component.status == ComponentStatus.OPERATIONAL
    assert incident.resolved_at is not None
    assert list(component.spans.order_by("started_at").values_list("status", flat=True)) == [
        ComponentStatus.MAJOR_OUTAGE, ComponentStatus.OPERATIONAL]


def test_a_draft_and_a_maintenance_not_started_leave_the_status_alone() -> None:
    component = ComponentFactory()
    incident_create(actor=None, publish=False, draft=IncidentDraft(
        title="Alert", body="?", components=[component]))
    maintenance = incident_create(actor=None, draft=IncidentDraft(
        kind=IncidentKind.MAINTENANCE, title="Kernel", body="Reboot", components=[component]))
    component.refresh_from_db()
    assert component.status == ComponentStatus.OPERATIONAL
    incident_post_update(actor=None, incident=maintenance, state=IncidentState.IN_PROGRESS,
                         body="Started")
    component.refresh_from_db()
    assert component.status == ComponentStatus.MAINTENANCE
