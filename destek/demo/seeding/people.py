"""The people of a generated help desk: departments, tags, agents (with the bench agent),
customers (with the bench customers, who get API tokens) and their logins for bench/."""

from __future__ import annotations

import bisect
import itertools
import random
import secrets
from array import array
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from rest_framework.authtoken.models import Token

from destek.accounts.models import Department, DepartmentMembership, Organization, Role, User
from destek.demo.seeding.vocabulary import (
    ASSIGNMENT_MODES,
    CUSTOMER_MAX_TICKETS,
    CUSTOMER_ZIPF_S,
    DEPARTMENTS,
    FIRST_NAMES,
    HEAVY_CUSTOMER_TICKETS,
    HEAVY_IN_ORGANIZATION,
    LAST_NAMES,
    LIGHT_IN_ORGANIZATION,
    ORGANIZATION_SIZE,
    TAGS,
)
from destek.tickets.models import Tag

BENCH_AGENT_EMAIL = "bench-agent@bench.destek.test"
BENCH_CUSTOMER_EMAIL = "bench-customer{n}@bench.destek.test"


@dataclass
class People:
    departments: list[Department]
    public_department_ids: list[int]
    agents_by_department: dict[int, list[User]]
    agent_names: dict[int, str]
    customer_ids: list[int]
    customer_wants: list[int]  # how many tickets each customer opens (Zipf-like)
    customer_languages: dict[int, str]
    tags: list[Tag]

    def ticket_slots(self, rng: random.Random, tickets: int) -> array[int]:
        """The customer of each of the next `tickets` tickets, in order: every customer
        repeated as many times as they want tickets, shuffled, so the tickets-per-customer
        distribution is the drawn one (and a customer's tickets spread over the year).
        More tickets than wanted: the rest drawn in proportion. An array: 8 bytes a ticket."""
        slots = array("q", itertools.chain.from_iterable(
            itertools.repeat(pk, n) for pk, n in zip(self.customer_ids, self.customer_wants,
                                                     strict=True)))
        rng.shuffle(slots)
        del slots[tickets:]
        if len(slots) < tickets:
            slots.extend(rng.choices(self.customer_ids, weights=self.customer_wants,
                                     k=tickets - len(slots)))
        return slots


@dataclass(frozen=True)
class PeopleOptions:
    customers: int
    agents: int
    departments: int
    tags: int
    bench_customers: int
    password: str
    run_tag: str  # keeps the addresses of an --append run apart from the earlier ones


def create_people(rng: random.Random, options: PeopleOptions) -> tuple[People, dict[str, Any]]:
    """The people, and the fixture's logins and ids for the load runner."""
    password_hash = make_password(options.password)  # one hash for every generated login
    departments = _departments(options.departments)
    tags = _tags(options.tags)
    agents = _agents(rng, options, password_hash)
    bench_agent = _bench_user(BENCH_AGENT_EMAIL, "Bench Agent", Role.AGENT, password_hash)
    all_agents = [*agents, bench_agent]
    by_department = _memberships(rng, departments, all_agents, bench_agent)
    customers, wanted = _customers(rng, options)
    bench_customers = [
        _bench_user(BENCH_CUSTOMER_EMAIL.format(n=n), f"Bench Customer {n}", Role.CUSTOMER,
                    password_hash)
        for n in range(options.bench_customers)
    ]
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True)
         for u in [*agents, *customers]],
        batch_size=2000)

    customer_ids = [u.pk for u in customers] + [u.pk for u in bench_customers]
    wants = [*wanted, *(draw_wanted_tickets(rng) for _ in bench_customers)]
    people = People(
        departments=departments,
        public_department_ids=[d.pk for d in departments if d.is_public],
        agents_by_department=by_department,
        agent_names={a.pk: a.display_name for a in all_agents},
        customer_ids=customer_ids, customer_wants=wants,
        customer_languages={u.pk: u.language or "en" for u in [*customers, *bench_customers]},
        tags=tags,
    )
    fixture = {
        "agent": _login(bench_agent, options.password),
        "customers": [_login(u, options.password) for u in bench_customers],
        "departments": [{"id": d.pk, "name": d.name, "public": d.is_public}
                        for d in departments],
        "agent_ids": [a.pk for a in all_agents],
        "tags": [t.name for t in tags],
    }
    return people, fixture


def _agents(rng: random.Random, options: PeopleOptions, password_hash: str) -> list[User]:
    agents = [
        User(email=f"agent{i}.{options.run_tag}@support.bench.destek.test",
             full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
             role=_agent_role(i, options.agents), password=password_hash,
             max_open_tickets=1000)
        for i in range(options.agents)
    ]
    User.objects.bulk_create(agents)
    return agents


def _memberships(rng: random.Random, departments: list[Department], agents: list[User],
                 bench_agent: User) -> dict[int, list[User]]:
    """One or two departments per agent (the bench agent: the first two)."""
    memberships = []
    by_department: dict[int, list[User]] = {d.pk: [] for d in departments}
    for i, agent in enumerate(agents):
        homes = {departments[i % len(departments)].pk}
        if agent is bench_agent:
            homes = {d.pk for d in departments[:2]}
        elif rng.random() < 0.4:
            homes.add(rng.choice(departments).pk)
        for pk in sorted(homes):
            if not DepartmentMembership.objects.filter(department_id=pk, agent=agent).exists():
                memberships.append(DepartmentMembership(department_id=pk, agent=agent))
            by_department[pk].append(agent)
    DepartmentMembership.objects.bulk_create(memberships)
    return by_department


_ZIPF = list(itertools.accumulate(k ** -CUSTOMER_ZIPF_S
                                  for k in range(1, CUSTOMER_MAX_TICKETS + 1)))


def draw_wanted_tickets(rng: random.Random) -> int:
    """Tickets a customer opens: P(k) ~ k^-s, 1 <= k <= CUSTOMER_MAX_TICKETS (most one or
    two, a few dozens)."""
    return bisect.bisect_left(_ZIPF, rng.random() * _ZIPF[-1]) + 1


def _customers(rng: random.Random, options: PeopleOptions) -> tuple[list[User], list[int]]:
    """The customers and how many tickets each will open. Those with many are mostly
    agencies and resellers: several people of one organization."""
    wanted = [draw_wanted_tickets(rng) for _ in range(options.customers)]
    members = [rng.random() < (HEAVY_IN_ORGANIZATION if n >= HEAVY_CUSTOMER_TICKETS
                               else LIGHT_IN_ORGANIZATION) for n in wanted]
    organizations = [Organization(name=f"Org {i} {options.run_tag}")
                     for i in range(max(1, sum(members) // ORGANIZATION_SIZE))]
    Organization.objects.bulk_create(organizations)
    customers = []
    for i in range(options.customers):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        org = rng.choice(organizations) if members[i] else None
        customers.append(User(
            email=f"customer{i}.{options.run_tag}@customers.bench.destek.test",
            full_name=f"{first} {last}", role=Role.CUSTOMER, organization=org,
            language="tr" if rng.random() < 0.6 else "en",
            password="!" + secrets.token_urlsafe(30)))  # unusable, like the funnel's
    User.objects.bulk_create(customers, batch_size=2000)
    return customers, wanted


def _login(user: User, password: str) -> dict[str, Any]:
    token, _created = Token.objects.get_or_create(user=user)
    return {"id": user.pk, "email": user.email, "password": password, "token": token.key}


def _bench_user(email: str, name: str, role: str, password_hash: str) -> User:
    user, _created = User.objects.get_or_create(
        email=email, defaults={"full_name": name, "role": role, "max_open_tickets": 1000})
    user.password = password_hash
    user.role = role
    user.is_active = True
    user.save(update_fields=["password", "role", "is_active"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _departments(count: int) -> list[Department]:
    departments = []
    for i in range(count):
        name, name_tr = DEPARTMENTS[i] if i < len(DEPARTMENTS) else (
            f"Department {i + 1}", f"Departman {i + 1}")
        department, _created = Department.objects.get_or_create(
            name=name, defaults={"name_tr": name_tr,
                                 "assignment_mode": ASSIGNMENT_MODES[i % 3],
                                 "is_public": name != "Abuse"})
        departments.append(department)
    if not any(d.is_public for d in departments):
        departments[0].is_public = True
        departments[0].save(update_fields=["is_public"])
    return departments


def _tags(count: int) -> list[Tag]:
    names = [TAGS[i] if i < len(TAGS) else f"tag-{i}" for i in range(max(count, 1))]
    Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
    return list(Tag.objects.filter(name__in=names).order_by("name"))


def _agent_role(i: int, total: int) -> str:
    if i == 0 and total > 3:
        return Role.SUPERVISOR
    if total >= 10 and i % 10 == 9:
        return Role.OUTSOURCED
    return Role.AGENT
