"""Who may manage hosting data from outside (billing-system integrations): administrators.

A customer is told nothing exists (404, as through every door); another staff member that
they may not (403). Each object is fetched by its billing system's id through one accessor."""

from __future__ import annotations

from django.utils.translation import gettext as _

from destek.accounts.models import Organization, Role, User
from destek.core.errors import NotFound, PermissionDenied
from destek.hosting.models import Service


def check_integration_admin(*, actor: User) -> None:
    if not actor.is_authenticated or not actor.is_active or not actor.is_agent:
        raise NotFound(_("Not found."))
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators can manage hosting data."))


def access_service_by_external_id(*, actor: User, source: str, external_id: str) -> Service:
    check_integration_admin(actor=actor)
    found = (Service.objects.select_related("customer", "organization")
             .filter(source=source, external_id=external_id).exclude(external_id="").first())
    if found is None:
        raise NotFound(_("Service not found."))
    return found


def access_customer_by_external_id(*, actor: User, external_id: str) -> User:
    check_integration_admin(actor=actor)
    found = (User.objects.select_related("organization")
             .filter(role=Role.CUSTOMER, external_id=external_id).exclude(external_id="")
             .first())
    if found is None:
        raise NotFound(_("Customer not found."))
    return found


def access_organization_by_external_id(*, actor: User, external_id: str) -> Organization:
    check_integration_admin(actor=actor)
    found = (Organization.objects.select_related("reseller")
             .filter(external_id=external_id).exclude(external_id="").first())
    if found is None:
        raise NotFound(_("Organization not found."))
    return found
