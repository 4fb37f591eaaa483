"""Writes on what the status page is made of: the customers and organizations named on a
component directly (the rest of a component, its groups and backup routines are plain
settings saved by their forms)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from destek.accounts.models import Organization, User
from destek.status.models import Component, ComponentMember


@transaction.atomic
def component_set_members(*, component: Component, customers: Iterable[User],
                          organizations: Iterable[Organization]) -> bool:
    """Make exactly these the component's named members; True when anything changed."""
    want_customers = {u.pk for u in customers}
    want_orgs = {o.pk for o in organizations}
    members = list(ComponentMember.objects.filter(component=component))
    have_customers = {m.customer_id for m in members if m.customer_id}
    have_orgs = {m.organization_id for m in members if m.organization_id}
    gone = [m.pk for m in members
            if (m.customer_id and m.customer_id not in want_customers)
            or (m.organization_id and m.organization_id not in want_orgs)]
    ComponentMember.objects.filter(pk__in=gone).delete()
    ComponentMember.objects.bulk_create(
        [ComponentMember(component=component, customer_id=pk)
         for pk in sorted(want_customers - have_customers)]
        + [ComponentMember(component=component, organization_id=pk)
           for pk in sorted(want_orgs - have_orgs)])
    return bool(gone) or want_customers != have_customers or want_orgs != have_orgs
