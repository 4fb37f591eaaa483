"""Test factories for people and departments."""

from __future__ import annotations

import factory

from destek.accounts.models import Department, DepartmentMembership, Organization, Role, User

PASSWORD = "correct-horse-battery-staple-42"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    role = Role.CUSTOMER
    password = factory.django.Password(PASSWORD)


class CustomerFactory(UserFactory):
    role = Role.CUSTOMER
    email = factory.Sequence(lambda n: f"customer{n}@example.com")


class AgentFactory(UserFactory):
    role = Role.AGENT
    email = factory.Sequence(lambda n: f"agent{n}@support.example.com")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepartmentMembership

    department = factory.SubFactory(DepartmentFactory)
    agent = factory.SubFactory(AgentFactory)
