from __future__ import annotations

import factory

from destek.status.models import Component, ComponentGroup


class ComponentGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComponentGroup

    name = factory.Sequence(lambda n: f"Group {n}")


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    slug = factory.Sequence(lambda n: f"component-{n}")
    name = factory.Sequence(lambda n: f"Component {n}")
    servers: list[str] = []
    plans: list[str] = []
