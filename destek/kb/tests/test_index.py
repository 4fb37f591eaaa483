"""The help centre's front page lists top-level categories with their direct children."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from destek.kb.models import Category

pytestmark = pytest.mark.django_db


def test_top_level_categories_with_their_children() -> None:
    servers = Category.objects.create(name="Servers", slug="servers")
    Category.objects.create(name="Backups", slug="backups", parent=servers)
    Category.objects.create(name="Billing", slug="billing")
    page = Client().get(reverse("kb:index")).content.decode()
    listed = page.split('data-testid="kb-categories"')[1].split('data-testid="kb-popular"')[0]
    assert listed.index(">Servers<") < listed.index(">Backups<")
    assert f'href="{reverse("kb:category", args=["backups"])}"' in listed
    assert ">Billing<" in listed
