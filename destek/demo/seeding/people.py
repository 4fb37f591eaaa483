"""The people of a generated help desk: departments, tags, agents (with the bench agent),
customers (with the bench customers, who get API tokens) and their logins for bench/."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from rest_framework.authtoken.models import Token

from destek.accounts.models import Department, DepartmentMembership, Organization, Role, User
from destek.demo.seeding.vocabulary import (
    ASSIGNMENT_MODES,
    DEPARTMENTS,
    FIRST_NAMES,
    LAST_NAMES,
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
    customer_weights: list[float]
    tags: list[Tag]


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
    customers = _customers(rng, options)
    bench_customers = [
        _bench_user(BENCH_CUSTOMER_EMAIL.format(n=n), f"Bench Customer {n}", Role.CUSTOMER,
                    password_hash)
        for n in range(options.bench_customers)
    ]
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True)
         for u in [*agents, *customers]],
        batch_size=2000)

    # A few customers open many tickets, most open one or two (a long tail).
    customer_ids = [u.pk for u in customers] + [u.pk for u in bench_customers]
    weights = [rng.paretovariate(1.5) for _ in customer_ids]
    people = People(
        departments=departments,
        public_department_ids=[d.pk for d in departments if d.is_public],
        agents_by_department=by_department,
        agent_names={a.pk: a.display_name for a in all_agents},
        customer_ids=customer_ids, customer_weights=weights, tags=tags,
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


def _customers(rng: random.Random, options: PeopleOptions) -> list[User]:
    organizations = [Organization(name=f"Org {i} {options.run_tag}")
                     for i in range(max(1, options.customers // 25))]
    Organization.objects.bulk_create(organizations)
    customers = []
    for i in range(options.customers):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        org = rng.choice(organizations) if rng.random() < 0.3 else None
        customers.append(User(
            email=f"customer{i}.{options.run_tag}@customers.bench.destek.test",
            full_name=f"{first} {last}", role=Role.CUSTOMER, organization=org,
            language="tr" if rng.random() < 0.6 else "en",
            password="!" + secrets.token_urlsafe(30)))  # unusable, like the funnel's
    User.objects.bulk_create(customers, batch_size=2000)
    return customers


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
