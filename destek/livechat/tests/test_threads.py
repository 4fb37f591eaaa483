"""The chat consumers run their database calls on several threads, each with its connection:
a read on one must not fail while another holds a write open (the cause of the old flaky
"database table is locked" in test_consumers on SQLite: see destek/conftest.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from destek.accounts.factories import DepartmentFactory
from destek.accounts.models import Department

pytestmark = pytest.mark.django_db(transaction=True)


def _count_on_another_connection() -> int:
    try:
        return Department.objects.count()
    finally:
        connection.close()


def test_a_reader_on_another_thread_is_not_refused_during_a_write() -> None:
    DepartmentFactory(name="Sales")
    with transaction.atomic():
        DepartmentFactory(name="Billing")  # written, not yet committed
        with ThreadPoolExecutor(max_workers=1) as pool:
            assert pool.submit(_count_on_another_connection).result(timeout=5) == 1
    assert Department.objects.count() == 2
