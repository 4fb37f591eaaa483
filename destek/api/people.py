"""Customers as the API sees them: who may see which customer, listing, creating.

These belong in `destek.accounts` (as `customers_visible_to`, `customer_list` and
`customer_create`); they live here until that app grows its selectors and services.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from destek.accounts.emails import normalized_email
from destek.accounts.models import Organization, Role, User
from destek.accounts.scope import in_scope, is_department_limited, works_in_every_department
from destek.core.errors import ApplicationError, NotFound, PermissionDenied
from destek.core.pagination import Page, keyset_page
from destek.tickets.intake import resolve_customer
from destek.tickets.models import Ticket

CUSTOMER_ORDERING = [("id", True)]


def customers_visible_to(actor: User) -> QuerySet[User]:
    """Agents see every customer; outsourced agents those with tickets in their departments;
    a customer sees only themselves."""
    customers = User.objects.filter(role=Role.CUSTOMER)
    if not actor.is_authenticated or not actor.is_active:
        return customers.none()
    if actor.is_customer:
        return customers.filter(pk=actor.pk)
    if is_department_limited(actor):
        in_my_departments = Ticket.objects.filter(in_scope(actor), customer=OuterRef("pk"))
        return customers.filter(Exists(in_my_departments))
    if works_in_every_department(actor):
        return customers
    return customers.none()


def access_customer_by_id(*, actor: User, customer_id: int) -> User:
    customer = (customers_visible_to(actor).select_related("organization")
                .filter(pk=customer_id).first())
    if customer is None:
        raise NotFound(_("Customer not found."))
    return customer


def customer_list(*, actor: User, search: str = "", cursor: str | None = None,
                  limit: int = 25) -> Page[User]:
    """One page of customers, newest first: one query whatever the page size."""
    if not actor.is_agent:
        raise PermissionDenied(_("Only agents can list customers."))
    qs = customers_visible_to(actor).select_related("organization")
    text = search.strip()[:200]
    if text:
        qs = qs.filter(Q(email__icontains=text) | Q(full_name__icontains=text)
                       | Q(organization__name__icontains=text))
    return keyset_page(qs, ordering=CUSTOMER_ORDERING, cursor=cursor, limit=limit)


def customer_create(*, actor: User, email: str, full_name: str = "", organization: str = "",
                    language: str = "", phone: str = "") -> User:
    """A new customer (no password: they sign up or use the links in their emails)."""
    if not actor.is_agent:
        raise PermissionDenied(_("Only agents can add customers."))
    address = normalized_email(email)
    if User.objects.filter(email=address).exists():
        raise ApplicationError(_("Someone with this email address already exists."),
                               field="email")
    with transaction.atomic():
        customer = resolve_customer(email=address, name=full_name.strip(), language=language)
        changed = []
        org_name = " ".join(organization.split())[:200]
        if org_name:
            customer.organization, _created = Organization.objects.get_or_create(name=org_name)
            changed.append("organization")
        if phone.strip():
            customer.phone = phone.strip()[:40]
            changed.append("phone")
        if changed:
            customer.save(update_fields=changed)
    return customer
