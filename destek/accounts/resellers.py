"""Resellers and their end customers: the one place the reseller rule lives.

An organization with `is_reseller` sells hosting to its own customers, the organizations whose
`reseller` points at it (its end customers). The people of a reseller organization manage the
tickets of the people of its end customers, in addition to their own:

* one level only: the end customers of an end customer (which may itself be a reseller) are
  not followed, so a reseller never reaches past the organizations directly under it;
* the reseller flag is read at every check: turning it off ends the access at once;
* end customers never see their reseller's tickets, nor each other's;
* as for any customer, colleagues in one organization do not see each other's tickets
  (`tickets.access.ticket_scope`); a reseller's people each see their own plus every end
  customer's.

Opening a ticket on an end customer's behalf is not offered: a ticket has one customer and no
organization of its own, so a reseller's person opening one would be its customer and the end
customer would not see it. They open tickets for themselves and manage the end customers'
tickets (read, reply, close, reopen, attachments). Saying "for whom" would take a ticket
organization (a migration and a change to the funnel).

Replies by a reseller's person on an end customer's ticket are theirs (the message's author)
and the end customer stays the ticket's customer, who gets the emails as before.

`destek.tickets.access` asks these functions; nothing else re-derives the rule.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from destek.accounts.models import Organization, Role, User

# The end-customer filter of the portal's ticket list offers at most this many organizations
# (by name); any end customer's id still works as a filter value.
MAX_LISTED_END_CUSTOMERS = 200


def _is_signed_in_customer(person: User) -> bool:
    return bool(person.is_authenticated and person.is_active and person.role == Role.CUSTOMER)


def customers_served_by(person: User) -> QuerySet[User]:
    """The customers whose tickets `person` may manage: themselves and, when their
    organization is a reseller, the people of its end customers. One subquery, no query of
    its own: the reseller flag is checked inside it."""
    if not _is_signed_in_customer(person):
        return User.objects.none()
    own = Q(pk=person.pk)
    org_id = person.organization_id
    if org_id is None:
        return User.objects.filter(own)
    end_customers = (Q(organization__reseller_id=org_id, organization__reseller__is_reseller=True)
                     & ~Q(organization_id=org_id))
    return User.objects.filter(own | (Q(role=Role.CUSTOMER) & end_customers))


def manages_customer(*, person: User, customer_id: int) -> bool:
    """Whether `person` may act on the tickets of `customer_id` (no query for their own)."""
    if person.pk == customer_id:
        return _is_signed_in_customer(person)
    if person.organization_id is None:
        return False
    return customers_served_by(person).filter(pk=customer_id).exists()


def end_customers_of(person: User, *, limit: int = MAX_LISTED_END_CUSTOMERS
                     ) -> list[Organization]:
    """The end customers `person` manages, by name, at most `limit`: empty (and no query)
    for a customer without an organization, empty for one whose organization is not a
    reseller."""
    if not _is_signed_in_customer(person) or person.organization_id is None:
        return []
    return list(Organization.objects.filter(reseller_id=person.organization_id,
                                            reseller__is_reseller=True)
                .exclude(pk=person.organization_id).only("id", "name")
                .order_by("name", "id")[:limit])
