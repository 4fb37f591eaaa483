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
# Up to this many, the ids of a reseller's end-customer people are written into the ticket
# query: PostgreSQL then knows how few they are and walks the list's index (8.6 ms for a
# reseller with 227 people and 1,112 of 100,000 tickets), where the same rule as a subquery
# made it read the whole table (96 ms; notes in docs/architecture.md "Access"). Beyond, the
# subquery.
MAX_INLINE_CUSTOMERS = 2000


def _is_signed_in_customer(person: User) -> bool:
    return bool(person.is_authenticated and person.is_active and person.role == Role.CUSTOMER)


def end_customer_people(person: User) -> QuerySet[User]:
    """The people of the end customers of `person`'s organization, when it is a reseller (the
    flag is checked in the query); none otherwise. Not `person`'s colleagues, even if their
    organization were made its own reseller."""
    if not _is_signed_in_customer(person) or person.organization_id is None:
        return User.objects.none()
    org_id = person.organization_id
    return (User.objects.filter(role=Role.CUSTOMER, organization__reseller_id=org_id,
                                organization__reseller__is_reseller=True)
            .exclude(organization_id=org_id))


def customer_filter(person: User, field: str = "customer_id") -> Q:
    """A filter on rows with a customer foreign key named `field` (tickets): those of the
    customers `person` may act for, themselves and, for a reseller's people, their end
    customers' people. No query for a customer without an organization; one (an index range)
    for one in an organization."""
    if not _is_signed_in_customer(person):
        return Q(pk__in=[])
    own = Q(**{field: person.pk})
    if person.organization_id is None:
        return own
    people = end_customer_people(person).values_list("pk", flat=True)
    inline = list(people[: MAX_INLINE_CUSTOMERS + 1])
    if not inline:
        return own  # most organizations are not resellers: the plain filter
    if len(inline) <= MAX_INLINE_CUSTOMERS:
        return Q(**{f"{field}__in": [person.pk, *inline]})
    return Q(**{f"{field}__in": User.objects.filter(pk=person.pk).values("pk").union(
        end_customer_people(person).values("pk"), all=True)})


def manages_customer(*, person: User, customer_id: int) -> bool:
    """Whether `person` may act on the tickets of `customer_id` (no query for their own)."""
    if person.pk == customer_id:
        return _is_signed_in_customer(person)
    return end_customer_people(person).filter(pk=customer_id).exists()


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
