"""Who an incident concerns: the customers with a live service on one of its components'
servers or plans, the customers and organizations named on a component, and everyone
subscribed to a component (`Subscription`). Reads only; the fan-out and the banner ask here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from destek.accounts.models import Role, User
from destek.hosting.models import Service, ServiceStatus
from destek.status.models import Component, ComponentMember

# A service that is not cancelled still runs somewhere (a suspended site comes back).
LIVE_SERVICE = [ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED, ServiceStatus.PENDING]


def _targets(component_ids: Iterable[int]) -> tuple[set[str], set[str]]:
    servers: set[str] = set()
    plans: set[str] = set()
    for row in Component.objects.filter(pk__in=list(component_ids)).values("servers", "plans"):
        servers.update(s for s in row["servers"] or [] if s)
        plans.update(p for p in row["plans"] or [] if p)
    return servers, plans


def affected_customers(component_ids: Iterable[int]) -> QuerySet[User]:
    """The active customers who depend on any of the components, each once."""
    ids = list(component_ids)
    servers, plans = _targets(ids)
    on_service = Q(server__in=servers) | Q(plan__in=plans)
    services = Service.objects.filter(on_service, status__in=LIVE_SERVICE) \
        if servers or plans else Service.objects.none()
    members = ComponentMember.objects.filter(component_id__in=ids)
    people = (Q(pk__in=services.filter(customer_id__isnull=False).values("customer_id"))
              | Q(organization_id__in=services.filter(organization_id__isnull=False)
                  .values("organization_id"))
              | Q(pk__in=members.filter(customer_id__isnull=False).values("customer_id"))
              | Q(organization_id__in=members.filter(organization_id__isnull=False)
                  .values("organization_id")))
    return User.objects.filter(people, role=Role.CUSTOMER, is_active=True)


def components_of_customer(customer: User) -> set[int]:
    """The ids of the components `customer` depends on (their own services and their
    organization's, and where they or their organization are named)."""
    owned = Q(customer_id=customer.pk)
    member = Q(customer_id=customer.pk)
    if customer.organization_id:
        owned |= Q(organization_id=customer.organization_id)
        member |= Q(organization_id=customer.organization_id)
    rows = Service.objects.filter(owned, status__in=LIVE_SERVICE).values_list("server", "plan")
    servers = {server for server, _plan in rows if server}
    plans = {plan for _server, plan in rows if plan}
    found = set(ComponentMember.objects.filter(member).values_list("component_id", flat=True))
    if servers or plans:
        for pk, comp_servers, comp_plans in Component.objects.values_list("pk", "servers",
                                                                          "plans"):
            if servers.intersection(comp_servers or []) or plans.intersection(comp_plans or []):
                found.add(pk)
    return found
