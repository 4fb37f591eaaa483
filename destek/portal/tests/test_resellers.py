"""Resellers: a reseller's people see and manage their end customers' tickets, through every
door, and nobody else sees more than before.

The cast: reseller R with its people `res` and `colleague`; R's end customers E1 (`end1`) and
E2 (`end2`, a sibling); E1 is itself a reseller of E11 (`end11`: depth 2, never followed by R);
another reseller R2 (`res_other`) with its end customer E3 (`end3`); and `stranger`, a customer
without an organization. Each has one ticket. A refusal is a 404 at every door.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from destek.accounts import resellers
from destek.accounts.factories import CustomerFactory, OrganizationFactory
from destek.accounts.models import Department, Organization, User
from destek.accounts.resellers import end_customer_people, end_customers_of, manages_customer
from destek.portal.tests.conftest import inbound_file, upload
from destek.tickets.access import guest_token_for, tickets_visible_to
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Attachment, Message, Status, Ticket

pytestmark = pytest.mark.django_db


@dataclass
class Cast:
    people: dict[str, User]
    tickets: dict[str, Ticket]
    orgs: dict[str, Organization]
    public_attachment: dict[str, int]  # the customer's own attachment on each ticket
    note_attachment: int  # an agent's internal note with a file, on end1's ticket


# Who sees whose ticket (by the ticket's owner's name).
SEES = {
    "res": {"res", "end1", "end2"},
    "colleague": {"colleague", "end1", "end2"},
    "end1": {"end1", "end11"},  # E1 is a reseller of E11 in its own right
    "end2": {"end2"},
    "end11": {"end11"},
    "res_other": {"res_other", "end3"},
    "end3": {"end3"},
    "stranger": {"stranger"},
}
PEOPLE = tuple(SEES)


@pytest.fixture
def cast(department: Department, agent: User) -> Cast:
    r = OrganizationFactory(name="Reseller R", is_reseller=True)
    e1 = OrganizationFactory(name="End E1", reseller=r, is_reseller=True)
    e2 = OrganizationFactory(name="End E2", reseller=r)
    e11 = OrganizationFactory(name="End E11", reseller=e1)
    r2 = OrganizationFactory(name="Reseller R2", is_reseller=True)
    e3 = OrganizationFactory(name="End E3", reseller=r2)
    orgs = {"r": r, "e1": e1, "e2": e2, "e11": e11, "r2": r2, "e3": e3}
    homes = {"res": r, "colleague": r, "end1": e1, "end2": e2, "end11": e11, "res_other": r2,
             "end3": e3, "stranger": None}
    people = {name: CustomerFactory(full_name=name, organization=org)
              for name, org in homes.items()}
    tickets, public = {}, {}
    for name, person in people.items():
        ticket = open_ticket(customer=person, department=department,
                             subject=f"Zebracorn trouble of {name}",
                             attachments=(inbound_file(f"{name}.txt", b"mine"),))
        tickets[name] = ticket
        public[name] = Attachment.objects.get(ticket=ticket).pk
    note = reply(ticket=tickets["end1"], author=agent, body="Internal: reseller owes us",
                 internal=True, attachments=(inbound_file("note.txt", b"secret"),))
    return Cast(people=people, tickets=tickets, orgs=orgs, public_attachment=public,
                note_attachment=note.attachments[0].pk)


def _portal(client: Client, person: User) -> Client:
    client.force_login(person)
    return client


def _api(person: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(person)
    return api


@pytest.mark.parametrize("inline", [True, False], ids=["ids", "subquery"])
@pytest.mark.parametrize("who", PEOPLE)
def test_the_scope_is_the_matrix(cast: Cast, who: str, inline: bool,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Both forms of the rule: the end customers' people written into the query, and, for a
    reseller with more than MAX_INLINE_CUSTOMERS of them, the subquery."""
    if not inline:
        monkeypatch.setattr(resellers, "MAX_INLINE_CUSTOMERS", 1)
    person = cast.people[who]
    visible = set(tickets_visible_to(person).values_list("pk", flat=True))
    assert visible == {cast.tickets[name].pk for name in SEES[who]}
    for owner in PEOPLE:
        assert manages_customer(person=person, customer_id=cast.people[owner].pk) == (
            owner in SEES[who]), (who, owner)


@pytest.mark.parametrize("who", PEOPLE)
def test_portal_pages_and_downloads_follow_the_matrix(client: Client, cast: Cast,
                                                       who: str) -> None:
    portal = _portal(client, cast.people[who])
    listed = portal.get(reverse("portal:ticket_list"))
    shown = {t.pk for t, _e, _l in listed.context["rows"]}
    assert shown == {cast.tickets[name].pk for name in SEES[who]}
    for owner, ticket in cast.tickets.items():
        expected = 200 if owner in SEES[who] else 404
        assert portal.get(reverse("portal:ticket_detail", args=[ticket.pk])).status_code \
            == expected, (who, owner)
        download = portal.get(reverse("portal:attachment",
                                      args=[cast.public_attachment[owner]]))
        assert download.status_code == expected, (who, owner)
    # An internal note's file is nobody's on the customer side.
    assert portal.get(reverse("portal:attachment", args=[cast.note_attachment])) \
        .status_code == 404


@pytest.mark.parametrize("who", PEOPLE)
def test_api_doors_and_search_follow_the_matrix(cast: Cast, who: str) -> None:
    api = _api(cast.people[who])
    expected_ids = {cast.tickets[name].pk for name in SEES[who]}
    listed = {row["id"] for row in api.get("/api/v1/tickets/").json()["results"]}
    assert listed == expected_ids
    found = {row["id"] for row in api.get("/api/v1/tickets/", {"q": "Zebracorn"})
             .json()["results"]}
    assert found == expected_ids
    for owner, ticket in cast.tickets.items():
        expected = 200 if owner in SEES[who] else 404
        assert api.get(f"/api/v1/tickets/{ticket.pk}/").status_code == expected, (who, owner)
        assert api.get(f"/api/v1/attachments/{cast.public_attachment[owner]}/").status_code \
            == expected, (who, owner)
        # Searching by someone's address reveals no ticket outside the scope.
        by_email = api.get("/api/v1/tickets/", {"q": cast.people[owner].email}).json()
        assert {r["id"] for r in by_email["results"]} == (
            {ticket.pk} if owner in SEES[who] else set()), (who, owner)
    assert api.get(f"/api/v1/attachments/{cast.note_attachment}/").status_code == 404


@pytest.mark.parametrize("who", ["res", "end2", "res_other", "stranger", "end11"])
def test_writes_on_end1s_ticket_follow_the_matrix(client: Client, cast: Cast, who: str) -> None:
    """Reply and close/reopen, in the portal and the API, on end customer E1's ticket."""
    ticket = cast.tickets["end1"]
    person = cast.people[who]
    allowed = "end1" in SEES[who]
    portal = _portal(client, person)
    api = _api(person)
    before = Message.objects.filter(ticket=ticket).count()

    response = portal.post(reverse("portal:ticket_reply", args=[ticket.pk]),
                           {"body": f"From {who}", "attachments": [upload()]})
    assert response.status_code == (302 if allowed else 404)
    response = api.post(f"/api/v1/tickets/{ticket.pk}/replies/", {"body": f"API {who}"},
                        format="json")
    assert response.status_code == (201 if allowed else 404)
    assert Message.objects.filter(ticket=ticket).count() == before + (2 if allowed else 0)

    response = portal.post(reverse("portal:ticket_close", args=[ticket.pk]))
    assert response.status_code == (302 if allowed else 404)
    ticket.refresh_from_db()
    if allowed:
        assert ticket.status == Status.CLOSED
        response = api.patch(f"/api/v1/tickets/{ticket.pk}/", {"status": "open"},
                             format="json")
        assert response.status_code == 200
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN
    else:
        assert ticket.status != Status.CLOSED
        assert api.patch(f"/api/v1/tickets/{ticket.pk}/", {"status": "closed"},
                         format="json").status_code == 404
        ticket.refresh_from_db()
        assert ticket.status != Status.CLOSED


def test_a_reseller_reads_an_end_customers_ticket_without_internal_notes(
        client: Client, cast: Cast) -> None:
    portal = _portal(client, cast.people["res"])
    page = portal.get(reverse("portal:ticket_detail", args=[cast.tickets["end1"].pk]))
    html = page.content.decode()
    assert "Zebracorn trouble of end1" in html
    assert "reseller owes us" not in html
    assert 'data-testid="ticket-end-customer">End E1 · end1<' in html
    body = _api(cast.people["res"]).get(f"/api/v1/tickets/{cast.tickets['end1'].pk}/").json()
    assert all(not m.get("internal") for m in body["messages"])
    assert "reseller owes us" not in str(body)
    # On their own ticket no end customer is named.
    own = portal.get(reverse("portal:ticket_detail", args=[cast.tickets["res"].pk]))
    assert 'data-testid="ticket-end-customer"' not in own.content.decode()


def test_the_reply_of_a_resellers_person_is_theirs_and_the_ticket_stays_the_end_customers(
        client: Client, cast: Cast) -> None:
    ticket = cast.tickets["end1"]
    _portal(client, cast.people["res"]).post(
        reverse("portal:ticket_reply", args=[ticket.pk]), {"body": "We are on it"})
    message = Message.objects.filter(ticket=ticket).order_by("-pk").first()
    assert message is not None and message.author_id == cast.people["res"].pk
    ticket.refresh_from_db()
    assert ticket.customer_id == cast.people["end1"].pk


def test_the_list_filters_by_end_customer(client: Client, cast: Cast) -> None:
    portal = _portal(client, cast.people["res"])
    url = reverse("portal:ticket_list")

    def ids(**params: str) -> set[int]:
        return {t.pk for t, _e, _l in portal.get(url, params).context["rows"]}

    everything = portal.get(url)
    assert [o.name for o in everything.context["end_customers"]] == ["End E1", "End E2"]
    html = everything.content.decode()
    assert 'data-testid="end-customer-select"' in html
    assert ">End E1 · end1<" in html
    assert ids(**{"for": str(cast.orgs["e1"].pk)}) == {cast.tickets["end1"].pk}
    assert ids(**{"for": "own"}) == {cast.tickets["res"].pk}
    # Another reseller's end customer, a depth-2 organization, or nonsense: nothing more.
    assert ids(**{"for": str(cast.orgs["e3"].pk)}) == set()
    assert ids(**{"for": str(cast.orgs["e11"].pk)}) == set()
    assert ids(**{"for": "x' OR 1=1"}) == ids()


def test_a_customer_without_end_customers_sees_no_filter(client: Client, cast: Cast) -> None:
    for who in ("end2", "stranger"):
        page = _portal(client, cast.people[who]).get(reverse("portal:ticket_list"))
        assert 'data-testid="end-customer-filter"' not in page.content.decode()
        assert 'data-testid="ticket-end-customer"' not in page.content.decode()


def test_the_list_pages_by_keyset_keeping_the_filter(client: Client, cast: Cast,
                                                    department: Department) -> None:
    for i in range(27):
        open_ticket(customer=cast.people["end2"], department=department, subject=f"More {i}")
    portal = _portal(client, cast.people["res"])
    url = reverse("portal:ticket_list")
    first = portal.get(url, {"for": str(cast.orgs["e2"].pk)})
    assert len(first.context["rows"]) == 25
    cursor = first.context["page"].next_cursor
    assert f"for={cast.orgs['e2'].pk}&amp;cursor=" in first.content.decode()
    second = portal.get(url, {"for": str(cast.orgs["e2"].pk), "cursor": cursor})
    rest = {t.pk for t, _e, _l in second.context["rows"]}
    assert len(rest) == 3 and cast.tickets["end2"].pk in rest
    assert second.context["page"].next_cursor is None


def test_turning_the_reseller_flag_off_ends_the_access(client: Client, cast: Cast) -> None:
    r = cast.orgs["r"]
    r.is_reseller = False
    r.save(update_fields=["is_reseller"])
    res = cast.people["res"]
    assert set(tickets_visible_to(res).values_list("pk", flat=True)) == {cast.tickets["res"].pk}
    assert end_customers_of(res) == []
    assert _portal(client, res).get(
        reverse("portal:ticket_detail", args=[cast.tickets["end1"].pk])).status_code == 404


def test_an_organization_naming_itself_its_reseller_shares_nothing(cast: Cast) -> None:
    r = cast.orgs["r"]
    r.reseller = r
    r.save(update_fields=["reseller"])
    assert not manages_customer(person=cast.people["res"],
                                customer_id=cast.people["colleague"].pk)
    assert cast.people["colleague"] not in end_customer_people(cast.people["res"])


def test_inactive_or_staff_people_get_no_reseller_scope(cast: Cast, agent: User) -> None:
    res = cast.people["res"]
    res.is_active = False
    res.save(update_fields=["is_active"])
    assert not tickets_visible_to(res).exists()
    assert end_customers_of(res) == []
    assert list(end_customer_people(agent)) == []


def test_guest_links_are_unaffected(client: Client, cast: Cast) -> None:
    """A guest link opens its one ticket, whoever is signed in, and nothing else."""
    ticket = cast.tickets["end1"]
    token = guest_token_for(ticket)
    assert client.get(reverse("portal:guest_ticket", args=[token])).status_code == 200
    _portal(client, cast.people["stranger"])
    page = client.get(reverse("portal:guest_ticket", args=[token]))
    assert page.status_code == 200
    assert 'data-testid="ticket-end-customer"' not in page.content.decode()
    assert client.get(reverse("portal:guest_attachment",
                              args=[token, cast.public_attachment["end2"]])).status_code == 404


# the user + the people they act for (the scope) + their end customers (the filter) + the page
# (tickets with their customers and organizations) + the page's SLA expectations; the session
# is not a query here.
RESELLER_LIST_QUERIES = 5


@pytest.mark.parametrize("whose", ["", "own", "e2"])
def test_the_resellers_list_runs_a_fixed_number_of_queries(
        client: Client, cast: Cast, department: Department, whose: str,
        django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    portal = _portal(client, cast.people["res"])
    params = {"for": str(cast.orgs["e2"].pk) if whose == "e2" else whose}
    portal.get(reverse("portal:ticket_list"), params)  # warm the session
    with django_assert_num_queries(RESELLER_LIST_QUERIES):
        few = portal.get(reverse("portal:ticket_list"), params)
    for i in range(12):
        open_ticket(customer=cast.people["end2"], department=department, subject=f"More {i}")
        open_ticket(customer=cast.people["res"], department=department, subject=f"Own {i}")
    extra = CustomerFactory(organization=cast.orgs["e2"])
    open_ticket(customer=extra, department=department, subject="A new person at E2")
    with django_assert_num_queries(RESELLER_LIST_QUERIES):
        many = portal.get(reverse("portal:ticket_list"), params)
    assert len(many.context["rows"]) > len(few.context["rows"])
