from __future__ import annotations

import pytest

from destek.accounts.factories import CustomerFactory
from destek.accounts.models import User
from destek.ideas import factories
from destek.ideas.models import IdeaCategory, Visibility


@pytest.fixture
def public(db: None) -> IdeaCategory:
    return factories.category(name="Control panel")


@pytest.fixture
def private(db: None) -> IdeaCategory:
    return factories.category(name="Billing", visibility=Visibility.CUSTOMERS, position=1)


@pytest.fixture
def third_customer(db: None) -> User:
    return CustomerFactory(language="tr")
